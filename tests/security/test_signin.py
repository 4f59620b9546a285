"""The browser's sign-in across restarts: on loopback the cookie comes from the data dir's
own secret, so a restart of the same data dir keeps the tab signed in and nothing else
does; in team mode (bound to the network) the cookie is the launch token, as before."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from backend.security import COOKIE, EdgeGuard
from backend.signin import SIGNIN_SECRET
from tests.security.conftest import error_of


def _server(bound_host: str, token: str, data_dir: Path) -> TestClient:
    """One "launch": a guarded app with this launch's token; the client keeps no cookies."""

    async def ok(_: object) -> JSONResponse:
        return JSONResponse({"ok": True})

    data_dir.mkdir(parents=True, exist_ok=True)
    app = Starlette(routes=[Route("/api/x", ok, methods=["GET", "POST"])])
    guard = EdgeGuard(
        app, token=token, bound_host=bound_host, upload_limit=1 << 20, data_dir=data_dir
    )
    host = "127.0.0.1" if bound_host == "127.0.0.1" else "wowrag.team.lan:8765"
    return TestClient(guard, base_url=f"http://{host}", follow_redirects=False)


def _sign_in(client: TestClient, token: str) -> tuple[str, str]:
    """Opens /?token=...; answers the cookie's value and its attributes."""
    answer = client.get("/", params={"token": token})
    assert answer.status_code == 303, answer.text
    header = answer.headers["set-cookie"]
    name_value, _, attributes = header.partition(";")
    name, _, value = name_value.partition("=")
    assert name == COOKIE and value
    client.cookies.clear()
    return value, attributes


def _with_cookie(client: TestClient, value: str) -> int:
    return client.get("/api/x", headers={"Cookie": f"{COOKIE}={value}"}).status_code


def test_restart_with_the_same_data_dir_keeps_the_browser_signed_in(tmp_path: Path) -> None:
    cookie, attributes = _sign_in(_server("127.0.0.1", "first-launch", tmp_path), "first-launch")
    assert "HttpOnly" in attributes and "SameSite=Strict" in attributes
    assert "Max-Age=" in attributes, "the cookie outlives the browser session too"
    assert cookie != "first-launch", "the cookie is not the launch token"
    restarted = _server("127.0.0.1", "second-launch", tmp_path)
    assert _with_cookie(restarted, cookie) == 200
    # The new launch's token still signs in, and gives the same cookie.
    assert _sign_in(restarted, "second-launch")[0] == cookie
    error_of(restarted.get("/", params={"token": "first-launch"}), 401, "unauthorized")


def test_a_cookie_of_another_data_dir_is_refused(tmp_path: Path) -> None:
    cookie, _ = _sign_in(_server("127.0.0.1", "t1", tmp_path / "a"), "t1")
    other = _server("127.0.0.1", "t1", tmp_path / "b")
    error_of(other.get("/api/x", headers={"Cookie": f"{COOKIE}={cookie}"}), 401, "unauthorized")
    assert _with_cookie(other, "t1") == 401, "on loopback the token is no cookie"


def test_team_mode_still_needs_this_launchs_token(tmp_path: Path) -> None:
    first = _server("0.0.0.0", "team-1", tmp_path)
    cookie, attributes = _sign_in(first, "team-1")
    assert "Max-Age" not in attributes
    assert _with_cookie(first, cookie) == 200
    restarted = _server("0.0.0.0", "team-2", tmp_path)
    error_of(restarted.get("/api/x", headers={"Cookie": f"{COOKIE}={cookie}"}), 401)
    error_of(restarted.get("/api/x"), 401)
    assert not (tmp_path / SIGNIN_SECRET).exists(), "team mode makes no browser secret"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_the_signin_secret_is_private_and_repaired(tmp_path: Path) -> None:
    _server("127.0.0.1", "t", tmp_path)
    secret = tmp_path / SIGNIN_SECRET
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    value = secret.read_bytes()
    os.chmod(secret, 0o644)
    _server("127.0.0.1", "t", tmp_path)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert secret.read_bytes() == value, "repairing the mode keeps the secret"


def test_a_damaged_secret_is_replaced(tmp_path: Path) -> None:
    (tmp_path / SIGNIN_SECRET).write_bytes(b"short")
    cookie, _ = _sign_in(_server("127.0.0.1", "t", tmp_path), "t")
    assert _with_cookie(_server("127.0.0.1", "u", tmp_path), cookie) == 200
    assert len((tmp_path / SIGNIN_SECRET).read_bytes()) >= 32
