"""The network mode's toolchain: the pinned CometBFT binary and the ABCI protobuf classes.

Both are built on this machine, from the Go module proxy, by ``origin net setup`` (and by
the test suite's session fixture, through the same function):

- ``cometbft`` is ``go install``-ed at exactly :data:`COMETBFT_VERSION` into
  ``TOOLS/bin``. ``@latest`` would give v1.x, whose ABCI wire format differs.
- The Python protobuf classes are generated with grpcio-tools from CometBFT's own
  ``.proto`` files (and gogoproto's ``gogo.proto``, which they import), taken from the Go
  module cache, into ``TOOLS/python/origin_cometbft_pb``. Their imports are rewritten to
  live under that one package, so they never clash with another ``tendermint`` package.

``TOOLS`` is ``$ORIGIN_TOOLS_DIR`` when set; else ``.tools/`` in a repository checkout
(gitignored); else ``~/.cache/originledger/tools``. Every step is idempotent: a binary that
reports the pinned version, and generated code whose stamp names the same versions, are
kept as they are. A file lock serializes concurrent setups of one tools directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

__all__ = [
    "COMETBFT_MODULE",
    "COMETBFT_VERSION",
    "ToolchainError",
    "abci_types",
    "check_cometbft",
    "cometbft_path",
    "ensure_toolchain",
    "generate_protos",
    "install_cometbft",
    "tools_dir",
]

COMETBFT_VERSION = "0.38.25"
COMETBFT_MODULE = "github.com/cometbft/cometbft"
GOGOPROTO_MODULE = "github.com/cosmos/gogoproto"
TOOLS_DIR_ENV = "ORIGIN_TOOLS_DIR"
COMETBFT_ENV = "ORIGIN_COMETBFT"  # an explicit binary, checked like the installed one
PROTO_PACKAGE = "origin_cometbft_pb"
# The ABCI protocol and everything it imports (the closure is computed from these roots).
# ``canonical.proto``: the bytes validators sign (the SDK checks commits offline with it).
_PROTO_ROOTS = (
    "tendermint/abci/types.proto",
    "tendermint/types/types.proto",
    "tendermint/types/canonical.proto",
)
_GO_INSTALL_TIMEOUT_S = 1_800
_GO_DOWNLOAD_TIMEOUT_S = 600
_SETUP_HINT = "run `origin net setup` (it needs Go; see docs/network.md)"

Log = Callable[[str], None]


class ToolchainError(Exception):
    """A tool the network mode needs is missing, of the wrong version, or failed to build."""


def _quiet(_: str) -> None:
    pass


# -- where things live ---------------------------------------------------------------------


def _repo_root() -> Path | None:
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / ".git").exists():
        return root
    return None


def tools_dir() -> Path:
    override = os.environ.get(TOOLS_DIR_ENV)
    if override:
        return Path(override).expanduser().resolve()
    root = _repo_root()
    if root is not None:
        return root / ".tools"
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "originledger" / "tools"


def cometbft_path() -> Path:
    explicit = os.environ.get(COMETBFT_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return tools_dir() / "bin" / "cometbft"


def _python_dir() -> Path:
    return tools_dir() / "python"


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    directory = tools_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".setup.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- CometBFT ------------------------------------------------------------------------------


def cometbft_version(path: Path) -> str | None:
    """What ``path version`` prints, or None when it does not run."""
    try:
        completed = subprocess.run(
            [str(path), "version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if completed.returncode != 0:
        return None
    return completed.stdout.strip() or None


def check_cometbft() -> Path:
    """The CometBFT binary, after checking that it is the pinned version."""
    path = cometbft_path()
    if not path.exists():
        raise ToolchainError(f"CometBFT is not installed at {path}: {_SETUP_HINT}")
    version = cometbft_version(path)
    if version is None:
        raise ToolchainError(f"{path} does not run (`{path} version` failed): {_SETUP_HINT}")
    if version != COMETBFT_VERSION:
        raise ToolchainError(
            f"{path} is CometBFT {version}, Origin needs exactly {COMETBFT_VERSION}: {_SETUP_HINT}"
        )
    return path


def _go() -> str:
    found = shutil.which("go") or next(
        (str(p) for p in (Path("/usr/local/go/bin/go"),) if p.exists()), None
    )
    if found is None:
        raise ToolchainError(
            "the Go toolchain is needed to build CometBFT and was not found on PATH "
            "(install Go 1.22 or newer, then run `origin net setup`)"
        )
    return found


def _run_go(arguments: list[str], timeout_s: int, env: dict[str, str] | None = None) -> str:
    command = [_go(), *arguments]
    try:
        completed = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
            env={**os.environ, **(env or {})},
        )
    except subprocess.TimeoutExpired as error:
        raise ToolchainError(f"`{' '.join(command)}` took more than {timeout_s} s") from error
    if completed.returncode != 0:
        raise ToolchainError(
            f"`{' '.join(command)}` failed ({completed.returncode}):\n{completed.stderr[-3000:]}"
        )
    return completed.stdout


def install_cometbft(log: Log = _quiet) -> Path:
    """``go install`` the pinned CometBFT into ``TOOLS/bin``, unless it is already there."""
    path = cometbft_path()
    if cometbft_version(path) == COMETBFT_VERSION:
        return path
    if os.environ.get(COMETBFT_ENV):
        raise ToolchainError(
            f"{COMETBFT_ENV}={path} is not CometBFT {COMETBFT_VERSION}; unset it to let "
            "`origin net setup` build one"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    log(f"building CometBFT v{COMETBFT_VERSION} with Go (a few minutes, once)")
    _run_go(
        ["install", f"{COMETBFT_MODULE}/cmd/cometbft@v{COMETBFT_VERSION}"],
        _GO_INSTALL_TIMEOUT_S,
        {"GOBIN": str(path.parent)},
    )
    return check_cometbft()


# -- protobuf classes ----------------------------------------------------------------------


def _module_dir(module: str, version: str) -> Path:
    """The module's source in the Go module cache (downloaded when missing)."""
    out = _run_go(
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


def generate_protos(log: Log = _quiet) -> Path:
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


def abci_types() -> ModuleType:
    """The generated ``tendermint.abci`` message classes (``Request``, ``Response``, ...)."""
    stamp_path = _stamp_path()
    if not stamp_path.is_file():
        raise ToolchainError(f"the ABCI protobuf classes are not generated: {_SETUP_HINT}")
    root = str(_python_dir())
    if root not in sys.path:
        sys.path.append(root)
    try:
        return importlib.import_module(f"{PROTO_PACKAGE}.tendermint.abci.types_pb2")
    except ImportError as error:
        raise ToolchainError(
            f"the ABCI protobuf classes do not import ({error}): {_SETUP_HINT}"
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
                f"the CometBFT protobuf classes lack canonical.proto ({error}): {_SETUP_HINT}"
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


__all__ += ["CometTypes", "comet_types"]


def ensure_toolchain(log: Log = _quiet) -> Path:
    """Everything the network mode needs, built when missing; returns the CometBFT binary."""
    with _locked():
        path = install_cometbft(log)
        generate_protos(log)
    return path
