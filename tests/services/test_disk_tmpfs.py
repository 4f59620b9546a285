"""The app on a data folder whose disk really fills: a 48 MB tmpfs (root on Linux mounts
one; anywhere else these tests skip and say why). Imports fill it until the margin
refuses; the server stays up, every document ends ready or failed with a reason, chat
answers; a restart on the full disk opens (no SIGBUS from Qdrant Edge's memory maps) and
answers; deleting a knowledge base frees space and a new import works."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.services.disk import DISK_FULL
from tests.conftest import LiveServer, wait_documents

SIZE = "48m"
# A small margin and reserve, in proportion to the 48 MB disk (300 and 64 MB by default).
ENV = {"WOWRAG_MIN_FREE_MB": "6", "WOWRAG_SPACE_RESERVE_MB": "4"}


def _mount(folder: Path) -> str | None:
    """None when mounted; otherwise why it could not be."""
    if not sys.platform.startswith("linux"):
        return f"tmpfs needs Linux, this is {sys.platform}"
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    if shutil.which("mount") is None:
        return "no mount command"
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    return None if done.returncode == 0 else f"mount failed: {done.stderr.strip()}"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "small-disk"
    folder.mkdir()
    why = _mount(folder)
    if why:
        print(f"\nSKIPPED the full-disk tests on a {SIZE} tmpfs: {why}", file=sys.stderr)
        pytest.skip(f"no {SIZE} tmpfs for the full-disk tests: {why}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _text(number: int, lines: int = 260) -> bytes:
    return "\n\n".join(
        f"第{number}号仓库第{line}条记录：货架{line % 17}上的零件编号 P-{number:02d}-{line:04d}"
        f"每月盘点一次。Warehouse {number} shelf {line % 17} part {line} is counted monthly."
        for line in range(lines)
    ).encode()


def _take_space(folder: Path, leave: int) -> None:
    """Another program takes the disk's space but `leave` bytes."""
    with (folder / "other-program.bin").open("ab") as out:
        try:
            while (free := shutil.disk_usage(folder).free) > leave:
                out.write(bytes(min(1 << 20, free - leave)))
                out.flush()
        except OSError:  # full
            pass


def test_a_full_disk_refuses_imports_restarts_and_recovers(small_disk):
    data_dir = small_disk / "data"
    server = LiveServer(data_dir, env=ENV)
    try:
        kb = server.client.post("/api/kbs", json={"name": "warehouses"}).json()["id"]
        _take_space(small_disk, leave=16 << 20)  # so that a few documents fill the rest
        answers = []
        for number in range(40):  # far more than fits
            answer = server.client.post(
                f"/api/kbs/{kb}/documents",
                files={"files": (f"warehouse_{number}.txt", _text(number))},
            )
            answers.append(answer.status_code)
            if answer.status_code == 507:
                assert answer.json()["error"]["code"] == "insufficient_storage"
                break
            assert answer.status_code == 202, answer.text
        docs = wait_documents(server.client, kb, timeout=240)
        assert server.client.get("/api/health").status_code == 200
        statuses = {d["status"] for d in docs}
        assert statuses <= {"ready", "failed"}, statuses
        for doc in docs:
            if doc["status"] == "failed":
                assert doc["error"].startswith(DISK_FULL), doc["error"]
        ready = [d for d in docs if d["status"] == "ready"]
        assert ready, "nothing fit"
        assert 507 in answers or len(ready) < len(docs), "the disk never filled"
        info = server.client.get("/api/info").json()["disk"]
        assert info["low"] and info["free_bytes"] < 20 << 20
        chat = server.client.post(
            "/api/chat", json={"question": "零件编号 P-00-0007 多久盘点一次？", "kb_ids": [kb]}
        )
        assert chat.status_code == 200 and chat.json()["sources"], chat.text
    finally:
        assert server.process.poll() is None, "the server died"
        server.stop(kill=True)  # no clean close: the next start replays what is unflushed

    # Restart with not one byte free.
    _take_space(small_disk, leave=0)
    assert shutil.disk_usage(small_disk).free < 1 << 20
    server = LiveServer(data_dir, env=ENV)
    try:
        assert [k["id"] for k in server.client.get("/api/kbs").json()] == [kb]
        assert server.client.get("/api/info").json()["disk"]["full"]
        chat = server.client.post("/api/chat/stream", json={"question": "P-00-0007 多久盘点？"})
        assert chat.status_code == 200 and "event: done" in chat.text, chat.text[-500:]
        refused = server.client.post(
            f"/api/kbs/{kb}/documents", files={"files": ("more.txt", _text(99))}
        )
        assert refused.status_code == 507

        # The user deletes the knowledge base (the other program's file stays): room again.
        before = shutil.disk_usage(small_disk).free
        deleted = server.client.delete(f"/api/kbs/{kb}")
        assert deleted.status_code == 204, f"{deleted.text}\n{server.output()}"
        # How much was imported before the disk filled depends on batching and timing:
        # at least its vectors' megabyte comes back.
        assert shutil.disk_usage(small_disk).free > before + (1 << 20)
        fresh = server.client.post("/api/kbs", json={"name": "fresh"}).json()["id"]
        accepted = server.client.post(
            f"/api/kbs/{fresh}/documents", files={"files": ("new.txt", _text(7, lines=40))}
        )
        assert accepted.status_code == 202, accepted.text
        (new,) = wait_documents(server.client, fresh, timeout=120)
        assert new["status"] == "ready", new
        assert not server.client.get("/api/info").json()["disk"]["full"]
    finally:
        assert server.stop() in (0, -15), "the server died"


_KILLED_MID_IMPORT = """
import os, sys
import numpy as np
from backend.rag.sparse import SparseTerms
from backend.rag.vectors.store import ChunkPoint
from tests.conftest import make_settings
from backend.container import Container
c = Container(make_settings(sys.argv[1], min_free_mb=6, space_reserve_mb=4))
c.disk.refill()
rng = np.random.default_rng(0)
for doc in range(3):
    c.store.upsert([
        ChunkPoint("kb", f"doc{doc}", "f.txt", None, i, "text " * 100, "", [(0, 1)] * 8,
                   rng.standard_normal((8, 512)).astype(np.float32), SparseTerms([1], [1.0]))
        for i in range(64)
    ])
os._exit(0)  # a kill: these points are only in Qdrant's write-ahead log
"""
_OPEN = """
import sys
from tests.conftest import make_settings
from backend.container import Container
c = Container(make_settings(sys.argv[1], min_free_mb=6, space_reserve_mb=4))
print("points", c.store.count(), "kbs", len(c.kb_repo.all()))
c.close()
"""


def test_start_on_a_full_disk_replays_the_log_without_sigbus(small_disk):
    """Qdrant Edge replays its write-ahead log into memory-mapped files at open: on a disk
    with no byte free that was a SIGBUS (exit -7) or an error that stopped the start. The
    reserve gives it the room. Run in child processes, so that a SIGBUS is an exit code."""
    data_dir = str(small_disk / "data")
    run = [sys.executable, "-c"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    written = subprocess.run([*run, _KILLED_MID_IMPORT, data_dir], env=env, capture_output=True)
    assert written.returncode == 0, written.stderr.decode()[-2000:]
    _take_space(small_disk, leave=0)
    opened = subprocess.run(
        [*run, _OPEN, data_dir], env=env, capture_output=True, text=True, timeout=120
    )
    assert opened.returncode == 0, f"exit {opened.returncode}: {opened.stderr[-2000:]}"
    assert "points 192 kbs 0" in opened.stdout
