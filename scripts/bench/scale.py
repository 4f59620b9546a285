"""The scale run a reviewer would do: about 10k chunks of generated text in which no
sentence repeats (so the importer's de-duplication flatters nothing), imported through the
HTTP API of a live server; import speed next to the bare embedder on the same sentences,
first-token latency, a needle fact found among them, and the server's memory.

    python -m scripts.bench.scale --chunks 10000
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from scripts.bench import import_bench
from scripts.bench.common import Server, chat_once, rss_mb, summary

CITIES = ["青岛", "成都", "杭州", "西安", "Lisbon", "Oslo", "Quito", "Hanoi", "Tallinn", "Perth"]
ITEMS = ["阀门", "轴承", "电缆", "滤芯", "pump", "sensor", "gasket", "valve", "relay", "motor"]
NEEDLE = "Warehouse Kestrel-7 keeps the spare turbine blades in aisle 42, bay 9."
NEEDLE_QUESTION = "Where does warehouse Kestrel-7 keep the spare turbine blades?"
NEEDLE_FACT = "aisle 42"


def sentence(rng: random.Random, n: int) -> str:
    city, item = rng.choice(CITIES), rng.choice(ITEMS)
    if n % 2:
        return (
            f"{city}仓库第{n}批{item}的库存为{rng.randint(10, 9999)}件，"
            f"每{rng.randint(2, 30)}天盘点一次，负责人编号{rng.randint(1000, 9999)}。"
        )
    return (
        f"Lot {n} of {item} in {city} holds {rng.randint(10, 9999)} units and is counted "
        f"every {rng.randint(2, 30)} days by clerk {rng.randint(1000, 9999)}."
    )


def generate(chunks: int, folder: Path) -> list[str]:
    """Files of unique sentences, about 320 characters per chunk; the needle in one of them."""
    rng = random.Random(7)
    per_file, names, n = 100, [], 0
    sentences_per_chunk = 4
    for number in range(max(1, chunks // per_file)):
        lines = [f"# Inventory {number}"]
        for _ in range(per_file):
            lines.append(" ".join(sentence(rng, n := n + 1) for _ in range(sentences_per_chunk)))
            if number == chunks // per_file // 2 and len(lines) == per_file // 2:
                lines.append(NEEDLE)
        name = f"inventory_{number:04d}.md"
        (folder / name).write_text("\n\n".join(lines), "utf-8")
        names.append(name)
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        names = generate(args.chunks, folder)
        texts, chunk_count = import_bench.unit_texts(
            {n: (folder / n).read_text("utf-8") for n in names}, []
        )
        bare = import_bench.bare_embed(texts, chunk_count)
        server = Server(Path(tmp) / "data")
        try:
            client = server.client
            kb = client.post("/api/kbs", json={"name": "scale"}).json()
            started = time.perf_counter()
            for i in range(0, len(names), 20):
                files = [
                    ("files", (n, (folder / n).read_bytes(), "text/markdown"))
                    for n in names[i : i + 20]
                ]
                client.post(f"/api/kbs/{kb['id']}/documents", files=files).raise_for_status()
            peak = 0.0
            while True:
                docs = client.get(f"/api/kbs/{kb['id']}/documents").json()
                peak = max(peak, rss_mb(server.process.pid))
                if all(d["status"] in ("ready", "failed", "duplicate") for d in docs):
                    break
                time.sleep(0.5)
            seconds = time.perf_counter() - started
            chunks = sum(d["chunk_count"] for d in docs)
            questions = [sentence(random.Random(s), s) for s in range(40)]
            for q in questions[:3]:
                chat_once(client, q, [kb["id"]])
            first = [chat_once(client, q, [kb["id"]]).first_token_ms or 0.0 for q in questions]
            needle = chat_once(client, NEEDLE_QUESTION, [kb["id"]])
            result = {
                "files": len(names),
                "chunks": chunks,
                "failed": [d["filename"] for d in docs if d["status"] != "ready"],
                "import_s": round(seconds, 1),
                "chunks_per_s": round(chunks / seconds, 1),
                "bare_embedder_chunks_per_s": bare["chunks_per_s"],
                "share_of_bare": round(chunks / seconds / float(bare["chunks_per_s"]), 2),
                "peak_rss_mb_during_import": round(peak),
                "first_token_ms": summary(first),
                "first_token_p50_ms": statistics.median(first),
                "needle_found": NEEDLE_FACT in needle.answer,
                "needle_answer": needle.answer[:160],
                "rss_mb_after_with_embedders": round(rss_mb(server.process.pid)),
                "rss_mb_after_server_alone": round(rss_mb(server.process.pid, children=False)),
            }
            print(json.dumps(result, ensure_ascii=False, indent=1))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
