"""schemathesis against the OpenAPI schema of the real app (dev mode, where /openapi.json
exists): whatever it sends, no answer is a 5xx and every error has the JSON error shape."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from backend.app import create_app  # noqa: E402
from backend.container import Container  # noqa: E402
from tests.conftest import AUTH, make_settings  # noqa: E402

# The ASGI client calls itself "testserver"; the edge answers only its own address.
HEADERS = {**AUTH, "Host": "127.0.0.1"}
# The event stream never ends and discovery probes this machine's ports: both have tests
# of their own.
SKIPPED = ("/api/events", "/api/llm/discover")


def _dev_app(data_dir: Path) -> Any:
    """The app in dev mode; its lifespan (a TestClient block) closes its container."""
    return create_app(Container(make_settings(data_dir, dev=True)))


def _openapi() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        app = _dev_app(Path(folder) / "data")
        with TestClient(app, base_url="http://127.0.0.1", headers=AUTH) as client:
            answer = client.get("/openapi.json")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


schema = schemathesis.openapi.from_dict(_openapi())
for _path in SKIPPED:
    schema = schema.exclude(path=_path)


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    app = _dev_app(tmp_path_factory.mktemp("fuzz") / "data")

    async def without_lifespan(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        # schemathesis' client runs a lifespan (which closes the container) around every
        # call; the one real lifespan runs around the whole module instead.
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await app(scope, receive, send)

    with TestClient(app, base_url="http://127.0.0.1"):
        yield without_lifespan


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_errors_and_json_error_shapes(case, fuzzed_app) -> None:  # type: ignore[no-untyped-def]
    response = case.call(app=fuzzed_app, base_url="http://127.0.0.1", headers=HEADERS)
    failure = (case.method, case.path, case.body, response.status_code, response.text[:500])
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, failure
        assert "Traceback" not in body["error"]["message"], failure
        # A made-up model server address fails upstream: 502 is the honest answer there.
        upstream = response.status_code == 502 and body["error"]["code"].startswith("llm_")
        assert response.status_code < 500 or upstream, failure
