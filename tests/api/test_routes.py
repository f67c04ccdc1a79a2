"""Each route module mounts alone over an ``ApiContext``. (That the API reads a node through
the driver seam only is an import contract: tests/architecture/test_layers.py.)"""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient

from originledger.api.context import ApiContext, provide
from originledger.api.errors import EXCEPTION_HANDLERS
from originledger.api.routes import chain, index
from originledger.node.embedded import EmbeddedNode


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
