"""Each route module mounts alone over an ``ApiContext``, and the seams hold: the API reads
a node through the driver protocol only, and the node knows neither API nor indexer."""

from __future__ import annotations

import ast
from pathlib import Path

from litestar import Litestar
from litestar.testing import TestClient

import originledger
from originledger.api.context import ApiContext, provide
from originledger.api.errors import EXCEPTION_HANDLERS
from originledger.api.routes import chain, index
from originledger.node.embedded import EmbeddedNode

ROOT = Path(originledger.__file__).parent


def _alone(node: EmbeddedNode, handlers: list[object]) -> Litestar:
    return Litestar(
        route_handlers=handlers,
        dependencies=provide(ApiContext(node)),
        exception_handlers=EXCEPTION_HANDLERS,
    )


def test_a_route_module_mounts_alone(node: EmbeddedNode) -> None:
    with TestClient(app=_alone(node, list(chain.ROUTES))) as client:
        status = client.get("/v1/status").json()
        assert status["chain_id"] == "api-test" and status["height"] == 0
        assert client.get("/health").json() == {"ok": True, "height": 0}
        assert client.get("/v1/blocks/latest").json()["error"]["code"] == "block_not_found"
        assert client.get("/v1/events").status_code == 404  # not mounted here


def test_index_routes_without_an_indexer_answer_503(node: EmbeddedNode) -> None:
    with TestClient(app=_alone(node, list(index.ROUTES))) as client:
        response = client.get("/v1/index/blocks")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "index_disabled"
        assert client.get("/v1/index/status").json()["enabled"] is False


def _imports(package: str) -> dict[str, set[str]]:
    """The Origin modules each file of ``package`` imports (at any depth of the file)."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        found[str(path.relative_to(ROOT))] = {n for n in names if n.startswith("originledger")}
    return found


def _offending(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path} imports {name}"
        for path, names in _imports(package).items()
        for name in sorted(names)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]


def test_the_api_reads_nodes_through_the_driver_seam_only() -> None:
    forbidden = ("originledger.node", "originledger.server", "originledger.store.sqlite")
    assert _offending("api", forbidden) == []


def test_the_driver_seam_is_a_leaf_above_the_store() -> None:
    forbidden = (
        "originledger.node",
        "originledger.api",
        "originledger.indexer",
        "originledger.server",
        "originledger.store.sqlite",
    )
    assert _offending("driver", forbidden) == []


def test_neither_node_nor_indexer_knows_what_serves_it() -> None:
    assert _offending("node", ("originledger.api", "originledger.indexer")) == []
    assert _offending("indexer", ("originledger.node", "originledger.api")) == []
