"""How a command is declared: an ``OriginTyper`` registers it so that it reports expected
errors with their exit code, and so that one parameter typed ``NodeCommand`` (or a
subclass, such as ``SignedCommand``) stands for the options every such command takes.

A command written as::

    @query_app.command("asset")
    def asset(symbol: SymbolArgument, *, cmd: NodeCommand) -> None: ...

has the options ``--home``, ``--node`` and ``--json`` (``NodeCommand.OPTIONS``) in place of
``cmd``, and is called with a ``NodeCommand`` built from them: its output, its client (opened
when first needed, closed when the command ends) and the home's names for accounts.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar

import typer

from originledger.cli.connection import asset_record, open_client
from originledger.cli.errors import reports_errors
from originledger.cli.home import resolve_address
from originledger.cli.options import DEFAULT_HOME, HomeOption, JsonOption, NodeOption
from originledger.cli.output import Output
from originledger.cli.parsing import parse_amount
from originledger.cli.wording import readable_help_types
from originledger.core.address import Address
from originledger.core.amounts import Amount, format_units
from originledger.sdk import Client

__all__ = ["HOME", "JSON", "NODE", "NodeCommand", "OriginTyper", "option", "with_shared_options"]

Function = TypeVar("Function", bound=Callable[..., Any])


def option(name: str, annotation: Any, default: Any) -> inspect.Parameter:
    """A shared option, as the parameter a command would declare for it."""
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )


HOME = option("home", HomeOption, DEFAULT_HOME)
NODE = option("node", NodeOption, None)
JSON = option("json_output", JsonOption, False)


class NodeCommand:
    """A command that talks to the node: ``--home``, ``--node`` and ``--json``."""

    OPTIONS: ClassVar[tuple[inspect.Parameter, ...]] = (HOME, NODE, JSON)

    def __init__(self, home: Path, node: str | None, json_output: bool) -> None:
        self.home = home
        self.node = node
        self.out = Output(json_output)
        self._client: Client | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    # The node ---------------------------------------------------------------------------

    def connect(self) -> Client:
        """The node's client, opened on the first call (a missing home fails here)."""
        if self._client is None:
            self._client = open_client(self.home, self.node)
        return self._client

    @property
    def client(self) -> Client:
        return self.connect()

    def query(self, module: str, name: str, **params: str) -> dict[str, Any]:
        """A query's result, unproven."""
        answer: dict[str, Any] = self.client.query(module, name, prove=False, **dict(params))
        return answer["result"]  # type: ignore[no-any-return]

    def chain_time_ms(self) -> int:
        """The latest block's time: the ledger's clock, not this machine's."""
        return int(self.client.status()["time_ms"])

    def amount(self, symbol: str, text: str, minor: bool) -> Amount:
        """``text`` in the asset's units (its decimals asked of the node), or in minor units."""
        decimals = 0 if minor else int(asset_record(self.client, symbol)["decimals"])
        return parse_amount(text, decimals)

    def shown(self, symbol: str, amount: object) -> str:
        """An amount in minor units, written in the asset's units with its symbol."""
        decimals = int(asset_record(self.client, symbol)["decimals"])
        return f"{format_units(Amount(int(str(amount))), decimals)} {symbol}"

    # The home ---------------------------------------------------------------------------

    def address(self, text: str) -> Address:
        """An address given as text, or the address of a key in HOME/keys."""
        return resolve_address(text, self.home)


def _context_parameter(hints: dict[str, Any]) -> tuple[str, type[NodeCommand]] | None:
    """The parameter typed ``NodeCommand`` (or a subclass), if the command has one."""
    for name, hint in hints.items():
        if isinstance(hint, type) and issubclass(hint, NodeCommand):
            return name, hint
    return None


def with_shared_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` with its ``NodeCommand`` parameter replaced by that class's options
    (in the parameter's place), and called with the object built from them."""
    hints = typing.get_type_hints(function, include_extras=True)
    found = _context_parameter(hints)
    if found is None:
        return function
    context_name, context_class = found
    parameters: list[inspect.Parameter] = []
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name == context_name:
            parameters.extend(context_class.OPTIONS)
        else:
            parameters.append(parameter.replace(annotation=hints[parameter.name]))
    shared = [parameter.name for parameter in context_class.OPTIONS]

    def command(**values: Any) -> Any:
        context = context_class(**{name: values.pop(name) for name in shared})
        with context:
            return function(**values, **{context_name: context})

    functools.update_wrapper(
        command,
        function,
        assigned=("__module__", "__name__", "__qualname__", "__doc__"),
        updated=(),
    )
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    return command


readable_help_types()  # `--json` rather than `--json <bool>` in --help


class OriginTyper(typer.Typer):
    """A Typer whose every command reports expected errors with their exit code and may
    take its shared options as one ``NodeCommand`` parameter."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("no_args_is_help", True)
        kwargs.setdefault("pretty_exceptions_show_locals", False)  # locals may hold secrets
        super().__init__(**kwargs)

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Function], Function]:
        register = super().command(*args, **kwargs)

        def decorator(function: Function) -> Function:
            register(reports_errors(with_shared_options(function)))
            return function

        return decorator
