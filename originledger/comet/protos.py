"""CometBFT's protobuf classes: generated from the pinned module's own ``.proto`` files,
and loaded.

The Python classes are generated with grpcio-tools from CometBFT's ``.proto`` files (and
gogoproto's ``gogo.proto``, which they import), taken from the Go module cache, into
``TOOLS/python/origin_cometbft_pb`` (``TOOLS``: see ``comet/tools.py``). Their imports are
rewritten to live under that one package, so they never clash with another ``tendermint``
package. Generation is idempotent: generated code whose stamp names the same versions (of
CometBFT, grpcio-tools and protobuf, and the root ``.proto`` files) is kept as it is.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shutil
import sys
from pathlib import Path
from types import ModuleType

from originledger.comet.tools import (
    COMETBFT_MODULE,
    COMETBFT_VERSION,
    SETUP_HINT,
    Log,
    ToolchainError,
    quiet,
    run_go,
    tools_dir,
)

__all__ = [
    "PROTO_PACKAGE",
    "CometTypes",
    "abci_types",
    "comet_types",
    "generate_protos",
]

GOGOPROTO_MODULE = "github.com/cosmos/gogoproto"
PROTO_PACKAGE = "origin_cometbft_pb"
# The ABCI protocol and everything it imports (the closure is computed from these roots).
# ``canonical.proto``: the bytes validators sign (the SDK checks commits offline with it).
_PROTO_ROOTS = (
    "tendermint/abci/types.proto",
    "tendermint/types/types.proto",
    "tendermint/types/canonical.proto",
)
_GO_DOWNLOAD_TIMEOUT_S = 600


def _python_dir() -> Path:
    return tools_dir() / "python"


# -- generation ----------------------------------------------------------------------------


def _module_dir(module: str, version: str) -> Path:
    """The module's source in the Go module cache (downloaded when missing)."""
    out = run_go(
        ["mod", "download", "-json", f"{module}@{version}"],
        _GO_DOWNLOAD_TIMEOUT_S,
        {"GOFLAGS": "-mod=mod"},
    )
    directory = json.loads(out).get("Dir")
    if not directory or not Path(directory).is_dir():
        raise ToolchainError(f"`go mod download {module}@{version}` gave no source directory")
    return Path(directory)


def _required_version(go_mod: Path, module: str) -> str:
    match = re.search(rf"^\s*{re.escape(module)}\s+(v\S+)", go_mod.read_text(), re.MULTILINE)
    if match is None:
        raise ToolchainError(f"{go_mod} does not require {module}")
    return match.group(1)


def _proto_closure(roots: tuple[str, ...], include_dirs: list[Path]) -> list[str]:
    """The roots and every ``.proto`` they import, except protobuf's own well-known types."""
    pending = list(roots)
    found: list[str] = []
    while pending:
        name = pending.pop()
        if name in found or name.startswith("google/protobuf/"):
            continue
        source = next((d / name for d in include_dirs if (d / name).is_file()), None)
        if source is None:
            raise ToolchainError(f"{name} is not in {[str(d) for d in include_dirs]}")
        found.append(name)
        pending.extend(re.findall(r'^import\s+"([^"]+)";', source.read_text(), re.MULTILINE))
    return sorted(found)


def _generator_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return {"grpcio-tools": version("grpcio-tools"), "protobuf": version("protobuf")}
    except PackageNotFoundError as error:
        raise ToolchainError(
            f"{error.name} is not installed: `pip install 'originledger[network]'` "
            "(the test extra includes it)"
        ) from error


def _stamp(versions: dict[str, str]) -> str:
    stamp = {"cometbft": COMETBFT_VERSION, "roots": list(_PROTO_ROOTS), **versions}
    return json.dumps(stamp, sort_keys=True)


def _stamp_path() -> Path:
    return _python_dir() / PROTO_PACKAGE / "STAMP.json"


def generate_protos(log: Log = quiet) -> Path:
    """Generate the Python classes for the ABCI protocol; returns their import root."""
    versions = _generator_versions()
    stamp_path = _stamp_path()
    if stamp_path.is_file() and stamp_path.read_text() == _stamp(versions):
        return _python_dir()
    log(f"generating the ABCI protobuf classes of CometBFT v{COMETBFT_VERSION}")
    import grpc_tools  # type: ignore[import-untyped]
    from grpc_tools import protoc

    cometbft_dir = _module_dir(COMETBFT_MODULE, f"v{COMETBFT_VERSION}")
    gogo_version = _required_version(cometbft_dir / "go.mod", GOGOPROTO_MODULE)
    gogo_dir = _module_dir(GOGOPROTO_MODULE, gogo_version)
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    includes = [cometbft_dir / "proto", gogo_dir, well_known]
    files = _proto_closure(_PROTO_ROOTS, includes)
    staging = _python_dir() / f".staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    target = staging / PROTO_PACKAGE
    target.mkdir(parents=True)
    arguments = ["protoc", *(f"-I{d}" for d in includes), f"--python_out={target}", *files]
    if protoc.main(arguments) != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise ToolchainError(f"protoc failed on {files}")
    _make_package(target)
    (target / "STAMP.json").write_text(_stamp(versions))
    final = _python_dir() / PROTO_PACKAGE
    shutil.rmtree(final, ignore_errors=True)
    os.replace(target, final)
    shutil.rmtree(staging, ignore_errors=True)
    return _python_dir()


_IMPORT = re.compile(r"^(from|import) (tendermint|gogoproto)([. ])", re.MULTILINE)


def _make_package(target: Path) -> None:
    """Add ``__init__.py`` files and move the generated imports under ``PROTO_PACKAGE``."""
    for directory in [target, *(p for p in target.rglob("*") if p.is_dir())]:
        (directory / "__init__.py").touch()
    for module in target.rglob("*_pb2.py"):
        text = module.read_text()
        module.write_text(_IMPORT.sub(rf"\1 {PROTO_PACKAGE}.\2\3", text))


# -- loading -------------------------------------------------------------------------------


def abci_types() -> ModuleType:
    """The generated ``tendermint.abci`` message classes (``Request``, ``Response``, ...)."""
    stamp_path = _stamp_path()
    if not stamp_path.is_file():
        raise ToolchainError(f"the ABCI protobuf classes are not generated: {SETUP_HINT}")
    root = str(_python_dir())
    if root not in sys.path:
        sys.path.append(root)
    try:
        return importlib.import_module(f"{PROTO_PACKAGE}.tendermint.abci.types_pb2")
    except ImportError as error:
        raise ToolchainError(
            f"the ABCI protobuf classes do not import ({error}): {SETUP_HINT}"
        ) from error


class CometTypes:
    """The generated message classes the SDK needs to check CometBFT's signed headers:
    ``types`` (Header, BlockID, ...), ``canonical`` (CanonicalVote, ...), ``version``
    (Consensus), ``abci`` (ExecTxResult), and protobuf's ``wrappers`` and ``timestamp``."""

    def __init__(self) -> None:
        abci = abci_types()  # puts the package on sys.path, or says how to build it
        package = f"{PROTO_PACKAGE}.tendermint"
        try:
            self.canonical = importlib.import_module(f"{package}.types.canonical_pb2")
        except ImportError as error:
            raise ToolchainError(
                f"the CometBFT protobuf classes lack canonical.proto ({error}): {SETUP_HINT}"
            ) from error
        self.abci = abci
        self.types = importlib.import_module(f"{package}.types.types_pb2")
        self.version = importlib.import_module(f"{package}.version.types_pb2")
        self.wrappers = importlib.import_module("google.protobuf.wrappers_pb2")
        self.timestamp = importlib.import_module("google.protobuf.timestamp_pb2")


_comet_types: list[CometTypes] = []


def comet_types() -> CometTypes:
    """The generated classes for CometBFT's headers, votes and results (loaded once)."""
    if not _comet_types:
        _comet_types.append(CometTypes())
    return _comet_types[0]
