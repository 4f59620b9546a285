"""Thousands of small files (issue 16, point 3): wow-rag's import through the HTTP API
side by side with its bare embedder on the very same sentence texts, in one run.

    nice python -m scripts.bench.small_files [--files 3000]

The files are cut from the public question sets' paragraphs (CMRC 2018 and XQuAD zh in
Chinese, XQuAD en in English) into pieces of 100 to 1,000 characters at sentence ends,
each its own .txt or .md; deterministic, nothing downloaded. When the paragraphs run out
before --files, they are cut again at other places (the same text, other files), so the
bytes of every file differ and none is a duplicate.

Uploaded in requests of UPLOAD_BATCH files, PARALLEL_UPLOADS at a time (the UI sends one
file per request, three at a time: `--per-request 1` does that; on a loaded 2-core
machine its request handling, not the import, then sets the pace); the end is
seen from `GET /api/events` (every document's last state), which also shows how often
progress reached the UI; memory is the server's whole process tree (reader and embedding
processes too), sampled every SAMPLE_S.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from scripts.bench.common import (
    CACHE,
    Server,
    _descendants,
    chat_once,
    fresh_dir,
    machine,
    save_json,
)
from scripts.bench.import_bench import bare_embed, unit_texts
from scripts.bench.small_files_corpus import generate

PARALLEL_UPLOADS = 3  # web/src/stores/documents.ts
UPLOAD_BATCH = 20
SAMPLE_S = 0.5
TERMINAL = ("ready", "failed", "duplicate")


def cpu_s(pid: int) -> float:
    """CPU seconds of a process and its descendants, living or reaped (/proc stat fields
    utime, stime, cutime, cstime). On a machine shared with other work, wall-clock speed
    says how busy the machine was; CPU time says what the work cost."""
    total = 0
    for p in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def bare(texts: list[str], chunks: int, timeout: float) -> dict:
    """`bare_embed`, with the CPU seconds its embedding processes spent (sampled while
    they live: a pool's processes end without being waited for, so their time never
    reaches this process's children's times)."""
    me, samples, done = os.getpid(), [], threading.Event()
    start = cpu_s(me)

    def sample() -> None:
        while not done.wait(0.2):
            samples.append(cpu_s(me))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    row = bare_embed(texts, chunks, max_seconds=timeout)
    done.set()
    sampler.join()
    spent = max(samples, default=start) - start
    row["cpu_s"] = round(spent, 1)
    row["chunks_per_cpu_s"] = round(chunks / spent, 2) if spent else None
    return row


class EventWatch:
    """`GET /api/events` on a thread: each document's last status, and when events came."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        self.status: dict[str, str] = {}
        self.times: list[float] = []
        self._client = httpx.Client(base_url=url, headers=headers, timeout=None)
        self._stop = threading.Event()
        self._open = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._open.wait(10)

    def _run(self) -> None:
        try:
            with self._client.stream("GET", "/api/events") as response:
                self._open.set()
                data: list[str] = []
                for line in response.iter_lines():
                    if self._stop.is_set():
                        return
                    if line.startswith("data:"):
                        data.append(line[5:].strip())
                    elif line == "" and data:
                        event = json.loads("\n".join(data))
                        data = []
                        if "status" in event and "id" in event:
                            self.status[event["id"]] = event["status"]
                            self.times.append(time.perf_counter())
        except httpx.HTTPError:
            pass

    def close(self) -> None:
        self._stop.set()
        self._client.close()


def http_import(
    server: Server, folder: Path, names: list[str], timeout: float, per_request: int
) -> dict:
    client = server.client
    kb = client.post("/api/kbs", json={"name": "small files"}).json()
    chat_once(client, "warm up", [kb["id"]])  # the app as a person meets it: model loaded
    watch = EventWatch(server.url, dict(client.headers))
    peak = [server.rss_mb()]
    samples: list[float] = []
    done = threading.Event()

    def sample() -> None:
        while not done.wait(SAMPLE_S):
            samples.append(server.rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    ids: list[str] = []

    def upload(batch: list[str]) -> list[str]:
        files = [("files", (n, (folder / n).read_bytes(), "text/plain")) for n in batch]
        response = client.post(f"/api/kbs/{kb['id']}/documents", files=files)
        response.raise_for_status()
        return [str(d["id"]) for d in response.json()]

    batches = [names[i : i + per_request] for i in range(0, len(names), per_request)]
    started = time.perf_counter()
    cpu_before = cpu_s(server.pid)
    with ThreadPoolExecutor(PARALLEL_UPLOADS) as uploads:
        ids = [i for part in uploads.map(upload, batches) for i in part]
    uploaded = time.perf_counter() - started
    deadline = time.monotonic() + timeout
    while not all(watch.status.get(i) in TERMINAL for i in ids):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    spent = cpu_s(server.pid) - cpu_before
    done.set()
    sampler.join()
    watch.close()
    docs = client.get(f"/api/kbs/{kb['id']}/documents").json()
    ready = [d for d in docs if d["status"] == "ready"]
    chunks = sum(d["chunk_count"] for d in ready)
    gaps = [b - a for a, b in zip(watch.times, watch.times[1:], strict=False)]
    samples = samples or peak
    return {
        "documents": len(docs),
        "ready": len(ready),
        "failed": [(d["filename"], d["error"]) for d in docs if d["status"] == "failed"][:5],
        "timed_out": len(ready) < len(ids) and time.monotonic() > deadline,
        "chunks": chunks,
        "upload_s": round(uploaded, 1),
        "seconds": round(seconds, 1),
        "files_per_s": round(len(ready) / seconds, 1),
        "chunks_per_s": round(chunks / seconds, 1),
        "cpu_s": round(spent, 1),
        "chunks_per_cpu_s": round(chunks / spent, 2),
        "events": len(watch.times),
        "longest_silence_s": round(max(gaps, default=0.0), 2),
        "rss_start_mb": samples[0],
        "rss_peak_mb": max(samples),
        # flat memory: the last quarter of the run against the second
        "rss_q2_q4_mb": [_quarter_peak(samples, 1), _quarter_peak(samples, 3)],
    }


def _quarter_peak(samples: list[float], quarter: int) -> float:
    size = max(1, len(samples) // 4)
    return max(samples[quarter * size : (quarter + 1) * size] or samples[-1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=3000)
    parser.add_argument("--timeout", type=float, default=290, help="cap on the import, s")
    parser.add_argument("--per-request", type=int, default=UPLOAD_BATCH, help="files per upload")
    parser.add_argument("--out", type=Path, default=CACHE / "small_files.json")
    args = parser.parse_args()
    files = generate(args.files)
    folder = CACHE / f"small-files-{len(files)}"
    if not folder.exists() or len(list(folder.iterdir())) != len(files):
        fresh_dir(folder)
        for name, text in files.items():
            (folder / name).write_text(text, "utf-8")
    sizes = [len(t) for t in files.values()]
    texts, chunks = unit_texts(files)
    row: dict[str, object] = {
        "machine": machine(),
        "files": len(files),
        "zh_files": sum(1 for n in files if "-zh." in n),
        "chars_min_median_max": [min(sizes), sorted(sizes)[len(sizes) // 2], max(sizes)],
        "units": len(texts),
        "chunks": chunks,
        "files_per_request": args.per_request,
    }
    row["bare"] = bare(texts, chunks, args.timeout)
    server = Server(fresh_dir(CACHE / "data" / "small-files"), {"WOWRAG_PASSAGE_VECTORS": "0"})
    try:
        row["import"] = http_import(server, folder, list(files), args.timeout, args.per_request)
    finally:
        server.stop()
    bare_row, done = row["bare"], row["import"]
    row["share_of_bare"] = round(done["chunks_per_s"] / bare_row["chunks_per_s"], 3)  # type: ignore[index]
    row["cpu_share_of_bare"] = round(
        done["chunks_per_cpu_s"] / bare_row["chunks_per_cpu_s"],  # type: ignore[index]
        3,
    )
    save_json(args.out, row)
    print(json.dumps(row, ensure_ascii=False, indent=1))
    print(table(row))


def table(row: dict) -> str:
    bare, done = row["bare"], row["import"]
    bare_files = row["files"] * bare["chunks_per_s"] / max(row["chunks"], 1)
    lines = [
        f"{row['files']} files ({row['zh_files']} zh), {row['chunks']} chunks, "
        f"{row['units']} sentences",
        "| | files/s | chunks/s | % of bare | chunks per CPU-s | % of bare | peak RSS (MB) |",
        "|---|---|---|---|---|---|---|",
        f"| bare embedder ({bare['workers']} processes) | {bare_files:.1f} | "
        f"{bare['chunks_per_s']} | 100 | {bare['chunks_per_cpu_s']} | 100 | |",
        f"| wow-rag, HTTP upload to ready | {done['files_per_s']} | {done['chunks_per_s']} | "
        f"{100 * row['share_of_bare']:.0f} | {done['chunks_per_cpu_s']} | "
        f"{100 * row['cpu_share_of_bare']:.0f} | {done['rss_peak_mb']:.0f} |",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
