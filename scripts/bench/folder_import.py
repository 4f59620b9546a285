"""A folder of 5,000 Markdown notes (Chinese and English, 100 to 3,000 characters) linked
to a knowledge base of a started app through its HTTP API: files/s and the time until
every note is ready, as a user who links their notes folder would live it.

    nice .venv/bin/python -m scripts.bench.folder_import [--files 5000] [--timeout 300]
        [--baseline]   # also the same notes through a plain HTTP upload
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from scripts.bench.common import Server

_ZH = (
    "今天整理了项目的会议记录", "数据库迁移需要在周五之前完成", "客户反馈登录页面加载太慢",
    "下周的读书会讨论《三体》第二部", "厨房的水龙头又开始漏水了", "记得给妈妈打电话问候生日",
    "新版本的发布说明还没有写完", "季度预算比去年增加了百分之十二", "跑步五公里用时二十八分钟",
    "花园里的番茄终于开始变红了",
)  # fmt: skip
_EN = (
    "The quarterly review moved to Thursday afternoon", "Backups run every night at two",
    "The onboarding guide needs a section on permissions", "Try the sourdough recipe again",
    "The invoice for March is still unpaid", "Meeting notes from the design critique",
    "The train to the coast leaves at seven fifteen", "Refactor the parser before release",
    "Water the ferns twice a week in summer", "The library closes early on Sundays",
)  # fmt: skip


def write_notes(root: Path, count: int, seed: int = 16) -> int:
    """`count` notes in a few nested folders; returns their total size in bytes."""
    rng, total = random.Random(seed), 0
    for number in range(count):
        chinese = number % 2 == 0
        pool, joiner = (_ZH, "。") if chinese else (_EN, ". ")
        target = rng.randint(100, 3000 if number % 10 == 0 else 1000)
        lines = [f"# {'笔记' if chinese else 'Note'} {number}", ""]
        size = 0
        while size < target:
            sentence = (
                f"{rng.choice(pool)}（{number}-{size}）"
                if chinese
                else (f"{rng.choice(pool)} ({number}-{size})")
            )
            lines.append(sentence + joiner)
            size += len(sentence) + 1
        path = root / f"area{number % 7}" / f"topic{number % 31}" / f"note_{number:05d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "\n".join(lines)
        path.write_text(text, encoding="utf-8")
        total += len(text.encode())
    return total


def upload_baseline(root: Path, data_dir: Path, timeout: float) -> dict[str, float]:
    """The same notes uploaded over HTTP on a fresh app of their own (run first, so that
    neither waits behind the other's queue): what the machine does without a linked
    folder, so the folder's own cost shows even on a busy machine."""
    server = Server(data_dir)
    try:
        kb_id = server.client.post("/api/kbs", json={"name": "uploaded"}).json()["id"]
        paths = sorted(root.rglob("*.md"))
        started = time.perf_counter()
        for first in range(0, len(paths), 500):  # the upload route takes 1,000 files at most
            batch = [("files", (p.name, p.read_bytes())) for p in paths[first : first + 500]]
            server.client.post(f"/api/kbs/{kb_id}/documents", files=batch).raise_for_status()
        ready = 0
        while time.perf_counter() - started < timeout:
            docs = server.client.get(f"/api/kbs/{kb_id}/documents").json()
            ready = sum(d["status"] == "ready" for d in docs)
            if all(d["status"] in ("ready", "failed", "duplicate") for d in docs):
                break
            time.sleep(1.0)
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    return {
        "upload_all_ready_s": round(elapsed, 1),
        "upload_files_per_s": round(ready / elapsed, 1),
    }


def run(files: int, timeout: float, baseline: bool = False) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="wowrag-folder-bench-") as tmp:
        root = Path(tmp) / "notes"
        total_bytes = write_notes(root, files)
        compared = upload_baseline(root, Path(tmp) / "uploaded", timeout) if baseline else {}
        server = Server(Path(tmp) / "data")
        try:
            kb_id = server.client.post("/api/kbs", json={"name": "notes"}).json()["id"]
            started = time.perf_counter()
            linked = server.client.post(f"/api/kbs/{kb_id}/folders", json={"path": str(root)})
            linked.raise_for_status()
            link_s = time.perf_counter() - started
            folder: dict = {}
            while time.perf_counter() - started < timeout:
                folder = server.client.get(f"/api/kbs/{kb_id}/folders").json()[0]
                if folder["status"] == "watching" and folder["document_count"] == files:
                    break
                time.sleep(1.0)
            ready_s = time.perf_counter() - started
            docs = server.client.get(f"/api/kbs/{kb_id}/documents").json()
            statuses = {s: sum(d["status"] == s for d in docs) for s in {d["status"] for d in docs}}
        finally:
            server.stop()
    return {
        "files": files,
        "megabytes": round(total_bytes / 1e6, 2),
        "link_answer_s": round(link_s, 2),
        "all_ready_s": round(ready_s, 1),
        "files_per_s": round(statuses.get("ready", 0) / ready_s, 1),
        "statuses": statuses,
        "finished": folder.get("status") == "watching",
        **compared,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--baseline", action="store_true", help="also time a plain upload")
    args = parser.parse_args()
    result = run(args.files, args.timeout, args.baseline)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
