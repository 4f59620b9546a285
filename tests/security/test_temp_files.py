"""The running app writes temporary files only inside its data dir."""

from __future__ import annotations

from tests.conftest import LiveServer
from tests.fakes import write_tiny_gguf


def test_model_upload_spools_inside_the_data_dir(tmp_path):
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    model = write_tiny_gguf(tmp_path / "tiny.gguf")
    with open(model, "ab") as grow:  # past Starlette's 1 MB in-memory spool
        grow.write(b"\0" * (3 << 20))
    server = LiveServer(tmp_path / "data", env={"TMPDIR": str(system_tmp)})
    try:
        with open(model, "rb") as handle:
            answer = server.client.post(
                "/api/llm/models/import", files={"file": ("tiny.gguf", handle.read())}
            )
        assert answer.status_code == 201, answer.text
        assert answer.json()["path"].startswith(str(tmp_path / "data"))
    finally:
        server.stop()
    assert list(system_tmp.iterdir()) == []
