"""Schemathesis over the full OpenAPI document of a node with some data: whatever a client
sends to any route, the answer is never a 5xx. Valid and invalid requests (schemathesis's
positive and negative modes), bounded (``FUZZ_EXAMPLES`` per operation)
to fit the suite's budget; the event stream is left out (it never ends by design; its
parameter is the events page's cursor, fuzzed there)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.needs("schemathesis")  # the session stops without it
try:
    import schemathesis
except ImportError:  # tests/prerequisites.py names the command that installs it
    schemathesis = None
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from originledger.api.openapi import QUERY_PARAMETERS  # noqa: E402
from originledger.api.server import create_app  # noqa: E402
from originledger.core.amounts import Amount  # noqa: E402
from originledger.modules.assets.types import Transfer  # noqa: E402
from originledger.node.embedded import EmbeddedNode, NodeSettings  # noqa: E402
from originledger.sdk import TxBuilder  # noqa: E402
from originledger.server.index import index_service_for  # noqa: E402
from originledger.store.sqlite import SqliteStore  # noqa: E402

from .conftest import ALICE, BOB, CHAIN, VALIDATOR, genesis_bytes  # noqa: E402

FUZZ_EXAMPLES = 30
API_DIR = Path(__file__).resolve().parents[2] / "originledger" / "api"


@pytest.fixture(scope="module")
def fuzzed_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    home = tmp_path_factory.mktemp("fuzz")
    node = EmbeddedNode(
        SqliteStore(home / "ledger.sqlite"), genesis_bytes(), VALIDATOR, NodeSettings()
    )
    builder = TxBuilder(CHAIN)
    for amount in range(1, 6):
        tx = builder.build([Transfer(ALICE.address, BOB.address, "USDT", Amount(amount))], [ALICE])
        assert node.submit([tx.raw])[0].status == "accepted"
        node.produce_block()
    index = index_service_for(node)
    while index.indexer.catch_up(blocks_max=100):
        pass
    app = create_app(node, start_node=False, index=index)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    yield schema.exclude(path="/v1/events/stream")
    node.stop()
    node.store.close()


def test_schemathesis_finds_no_server_error(fuzzed_schema) -> None:
    # Schemathesis's own pytest plugin does not run under pytest 9 (it reads a private
    # attribute pytest removed), so each operation's strategy is driven here directly.
    failures: list[str] = []
    operations = 0
    modes = (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE)
    for result in fuzzed_schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=st.one_of(*(operation.as_strategy(mode) for mode in modes)))
        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            phases=[Phase.explicit, Phase.generate],
        )
        def fuzz(case) -> None:
            response = case.call()
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} {case.query}: "
                    f"{response.status_code} {response.text[:200]}"
                )

        fuzz()
    assert operations >= 25, f"only {operations} operations in the document"
    assert not failures, "\n".join(failures[:20])


def test_every_query_parameter_read_is_declared() -> None:
    """A handler's query parameter missing from the OpenAPI document is one fuzzers never
    reach: every name the API reads from a query string is declared."""
    import re

    declared = {name for parameters in QUERY_PARAMETERS.values() for name in parameters}
    read: set[str] = set()
    for source in API_DIR.rglob("*.py"):
        text = source.read_text()
        read |= set(re.findall(r'query_params\.get\(\s*"([a-z_]+)"', text))
        read |= set(re.findall(r'params\.get\(\s*"([a-z_]+)"', text))
        read |= set(re.findall(r'parameter_int\(request, "([a-z_]+)"', text))
    assert read, "the scan found no query parameter at all"
    assert read <= declared, f"undeclared query parameters: {sorted(read - declared)}"


def test_every_module_query_parameter_is_declared() -> None:
    """Each module's queries read parameters by name; the document declares them all."""
    import inspect
    import re
    import sys

    from originledger.api.openapi import MODULE_QUERY_PARAMETERS
    from originledger.app import default_registry

    patterns = (
        r'params\.get\(\s*"([a-z_]+)"',
        r'params\[\s*"([a-z_]+)"\]',
        r'\(\s*params,\s*"([a-z_]+)"',
    )
    undeclared: dict[str, set[str]] = {}
    for module in default_registry().modules:
        sources = {sys.modules[query.__module__] for query in module.queries.values()}
        text = "".join(inspect.getsource(source) for source in sources)
        read = {name for pattern in patterns for name in re.findall(pattern, text)}
        missing = read - set(MODULE_QUERY_PARAMETERS.get(module.name, ())) - {"block_time_ms"}
        if missing:
            undeclared[module.name] = missing
    assert not undeclared, f"declare these in api/openapi.py: {undeclared}"
