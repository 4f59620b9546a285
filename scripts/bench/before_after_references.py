"""The reference columns of a before/after run: the plain LlamaIndex pipeline and the bare
embedder on the same corpora (they need no source tree of ours)."""

from __future__ import annotations

import argparse

from scripts.bench.before_after_trees import log

Results = dict[str, dict[str, list[float]]]


def record(results: Results, label: str, values: dict[str, float | None]) -> None:
    for metric, value in values.items():
        if value is not None:
            results.setdefault(label, {}).setdefault(metric, []).append(float(value))


def references(sizes: list[str], results: Results) -> None:
    """The plain LlamaIndex pipeline and the bare embedder on the same corpora (no tree)."""
    from scripts.bench import corpus
    from scripts.bench import import_bench as ib
    from scripts.bench.size_run import plain_llamaindex

    for size in sizes:
        gen = corpus.generate(size)
        texts, chunks = ib.unit_texts(gen.files)
        log(f"{size}: bare embedder")
        bare = ib.bare_embed(texts, chunks)
        log(f"{size}: plain LlamaIndex pipeline")
        r: dict = {}
        options = argparse.Namespace(skip_llama=False, llama_100k=False, llama_limit=900)
        plain_llamaindex(size, options, r, gen.questions, chunks)
        llama = r.get("llama", {})
        record(
            results,
            "reference",
            {
                f"import_{size}": _pick(bare, "chunks_per_s"),
                f"llama_import_{size}": _pick(llama, "import", "chunks_per_s"),
                f"extractive_{size}": _pick(llama, "first_token_ms", "p50"),
                f"scripted_{size}": _pick(llama, "upstream_first_token_ms", "p50"),
            },
        )


def _pick(block: object, *keys: str) -> float | None:
    for key in keys:
        block = block.get(key) if isinstance(block, dict) else None
    return float(block) if isinstance(block, int | float) else None
