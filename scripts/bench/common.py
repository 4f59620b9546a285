"""What the benchmarks share: a live wow-rag server started through the launcher, the
SSE client that times the first token, resident memory from /proc, percentiles."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import httpx

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(__file__).resolve().parent / ".cache"  # git-ignored: corpora, vectors, results
TOKEN = "bench-token"
# First-token timings ask one question at a time with this pause before each, for every
# pipeline alike: people do not ask back to back, and after a pause the embedding model's
# 13.5 MB of weights have left the CPU caches (a question embeds in 2 ms hot, 4 ms cold on
# this machine), so back-to-back timing flatters whichever pipeline is timed that way.
ASK_PAUSE_S = 0.3
AUTH = {"Authorization": f"Bearer {TOKEN}"}

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def app_root() -> Path:
    """The source tree whose app the benchmarks start: this one, or another checkout named
    by WOWRAG_BENCH_APP (before_after.py times an older commit with the same benchmarks)."""
    return Path(os.environ.get("WOWRAG_BENCH_APP") or ROOT)


def _environment(app: Path, frozen: bool) -> dict[str, str]:
    """This process's environment, with Python looking in `app` first (a bundle gets none)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    return env if frozen else {**env, "PYTHONPATH": str(app)}


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return round(ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo), 1)


def summary(values: list[float]) -> dict[str, float | int | None]:
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "n": len(values),
        "mean": round(statistics.fmean(values), 1) if values else None,
    }


def rss_mb(pid: int, children: bool = True) -> float:
    """Resident memory of a process (and, by default, all its descendants) in MB."""
    pids = [pid] + (_descendants(pid) if children else [])
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def du_mb(path: Path) -> float:
    """Space the files really take (allocated blocks, like `du`): Qdrant Edge preallocates
    32 MB WAL and storage files sparsely, so their apparent size overstates it."""
    total = sum(f.stat().st_blocks * 512 for f in path.rglob("*") if f.is_file())
    return round(total / 2**20, 1)


class Server:
    """wow-rag started as a user starts it: `launcher.py --headless` on a data dir."""

    live: ClassVar[set[Server]] = set()  # so that a failing benchmark leaves no server behind

    def __init__(
        self,
        data_dir: Path,
        env: dict[str, str] | None = None,
        timeout: float = 120,
        program: list[str] | None = None,
    ) -> None:
        """`program` runs instead of this tree's launcher.py (a bundle's executable)."""
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / "server.json").unlink(missing_ok=True)
        # Kept open for the server's lifetime; closed in stop().
        self.log = open(data_dir.parent / f"{data_dir.name}.server.log", "ab")  # noqa: SIM115
        started = time.perf_counter()
        app = app_root()
        self.process = subprocess.Popen(
            (program or [sys.executable, str(app / "launcher.py")])
            + ["--headless", "--port", "0", "--data-dir", str(data_dir), "--token", TOKEN],
            cwd=Path(program[0]).parent if program else app,
            env={**_environment(app, frozen=bool(program)), **(env or {})},
            stdout=self.log,
            stderr=self.log,
        )
        Server.live.add(self)
        server_json = data_dir / "server.json"
        deadline = time.monotonic() + timeout
        while not server_json.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"server did not start; see {self.log.name}")
            time.sleep(0.01)
        self.url = json.loads(server_json.read_text())["url"]
        self.client = httpx.Client(base_url=self.url, headers=AUTH, timeout=120)
        while self.client.get("/api/health").status_code != 200:
            time.sleep(0.01)
        self.ready_s = time.perf_counter() - started

    @property
    def pid(self) -> int:
        return self.process.pid

    def rss_mb(self) -> float:
        return rss_mb(self.pid)

    def stop(self) -> None:
        Server.live.discard(self)
        if hasattr(self, "client"):
            self.client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()


@dataclass
class ChatTiming:
    first_token_ms: float | None
    first_event_ms: float | None
    total_ms: float
    answer: str
    server: dict[str, float]
    top_source: str = ""  # the text of the passage ranked first


def parse_sse(lines) -> list[dict]:  # type: ignore[no-untyped-def]
    events, name, data = [], None, []
    for line in lines:
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line == "" and data:
            events.append({"event": name, **json.loads("\n".join(data))})
            name, data = None, []
    return events


def chat_once(
    client: httpx.Client, question: str, kb_ids: list[str] | None = None, top_k: int | None = None
) -> ChatTiming:
    """Ask through /api/chat/stream; time the first `token` event as the client sees it."""
    body: dict[str, object] = {"question": question}
    if kb_ids:
        body["kb_ids"] = kb_ids
    if top_k:
        body["top_k"] = top_k
    started = time.perf_counter()
    first: float | None = None
    first_event: float | None = None
    answer, server, name, top_source = "", {}, None, ""
    with client.stream("POST", "/api/chat/stream", json=body) as response:
        response.raise_for_status()
        for line in response.iter_lines():
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                if first_event is None:
                    first_event = (time.perf_counter() - started) * 1000
                if name == "token" and first is None:
                    first = (time.perf_counter() - started) * 1000
                if name == "sources":
                    sources = json.loads(line[5:]).get("sources") or [{}]
                    top_source = str(sources[0].get("text", ""))
                if name == "done":
                    done = json.loads(line[5:])
                    answer, server = done.get("answer", ""), done.get("timings", {})
                elif name == "error":
                    raise RuntimeError(line)
    return ChatTiming(
        None if first is None else round(first, 1),
        None if first_event is None else round(first_event, 1),
        round((time.perf_counter() - started) * 1000, 1),
        answer,
        server,
        top_source,
    )


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def save_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False), "utf-8")


def machine() -> dict[str, object]:
    import platform

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": round(mem / 2**20, 1),
        "python": platform.python_version(),
        "os": platform.platform(terse=True),
    }


def wait_documents(client: httpx.Client, kb_id: str, timeout: float = 90) -> list:
    """Wait until no document of the KB is still being imported; return them."""
    deadline = time.monotonic() + timeout
    docs: list = []
    while time.monotonic() < deadline:
        docs = client.get(f"/api/kbs/{kb_id}/documents").json()
        if docs and all(d["status"] in ("ready", "failed", "duplicate") for d in docs):
            return docs
        time.sleep(0.1)
    raise AssertionError(f"imports did not finish: {docs}")
