"""backend/desktop/server.py: server.json, private and removed only by its owner."""

from __future__ import annotations

import json
import os
from pathlib import Path

from backend.desktop.server import remove_own_server_json, running_instance, write_server_json


def test_server_json_is_private_and_only_its_owner_removes_it(tmp_path: Path) -> None:
    path = tmp_path / "server.json"
    write_server_json(path, "http://127.0.0.1:1", "t")
    if os.name != "nt":
        assert path.stat().st_mode & 0o777 == 0o600
    assert json.loads(path.read_text())["pid"] == os.getpid()
    path.write_text(json.dumps({"url": "http://127.0.0.1:1", "token": "t", "pid": -5}))
    remove_own_server_json(path)
    assert path.exists()  # another process's file stays
    assert running_instance(path) is None  # ... unless nobody answers there
    assert not path.exists()
