"""Render the saved results as docs/benchmarks.md (tables, goals) and a PNG chart.

The hand-written analysis lives in scripts/bench/notes.md and is appended as is, so a
re-run refreshes the numbers without losing the reasoning."""

from __future__ import annotations

from pathlib import Path

from scripts.bench import report_runtime as runtime
from scripts.bench import report_sections as sections
from scripts.bench.report_chart import chart
from scripts.bench.report_format import pick, sizes_of, table

NOTES = Path(__file__).resolve().parent / "notes.md"
SECTIONS = (
    sections.corpus,
    sections.imports,
    sections.first_token,
    runtime.concurrency,
    runtime.reopen,
    runtime.relay,
    runtime.hnsw,
)


def write_report(results: dict, md_path: Path, png_path: Path) -> None:
    out = sections.header(results)
    out += ["![benchmarks](benchmarks.png)", "", "## Goals", ""]
    out += table(["goal", "measured", ""], goals(results))
    for section in SECTIONS:
        out += section(results)
    if NOTES.exists():
        out += [NOTES.read_text("utf-8").strip(), ""]
    md_path.write_text("\n".join(out), "utf-8")
    chart(results, png_path)


def relay_overhead(results: dict) -> dict[str, float]:
    """Added total time, in % of the direct upstream's, per path, from relay.py's table."""
    output = pick(results, "relay", "output") or ""
    totals: dict[str, float] = {}
    for line in str(output).splitlines():
        for path in ("direct upstream", "/api/chat/stream", "/v1/chat/completions"):
            if line.startswith(path):
                numbers = line[len(path) :].split()
                totals[path] = float(numbers[1])
    base = totals.pop("direct upstream", None)
    if not base:
        return {}
    return {path: round(100 * (total - base) / base, 1) for path, total in totals.items()}


# The half-of-plain goal, like for like: (label, wow-rag's pass, the plain pipeline's
# in-process and served first-token keys).
PLAIN_COMPARISONS = (
    ("extractive vs fake LLM", "edge_extractive", "first_token_ms", "served_first_token_ms"),
    (
        "same scripted upstream",
        "edge_scripted",
        "upstream_first_token_ms",
        "upstream_served_first_token_ms",
    ),
)


def goals(results: dict) -> list[list[object]]:
    rows: list[list[object]] = []

    def add(goal: str, measured: object, ok: bool | None) -> None:
        rows.append([goal, measured, "n/a" if ok is None else ("met" if ok else "**missed**")])

    for size in sizes_of(results):
        r = results[size]
        rate, bare = pick(r, "import", "chunks_per_s"), pick(r, "bare", "chunks_per_s")
        if rate and bare:
            add(f"Import >= 60 chunks/s ({size})", f"{rate} chunks/s", rate >= 60)
            add(
                f"Import >= 70% of bare embedder ({size})",
                f"{100 * rate / bare:.0f}% of {bare}",
                rate >= 0.7 * bare,
            )
        p50 = pick(r, "edge_extractive", "first_token_ms", "p50")
        limit = {"10k": 100, "100k": 150}.get(size)
        if p50 is not None and limit:
            add(f"First token p50 <= {limit} ms ({size}, extractive)", f"{p50} ms", p50 <= limit)
        for label, ours, plain_key, served_key in PLAIN_COMPARISONS:
            mine = pick(r, ours, "first_token_ms", "p50")
            plain = pick(r, "llama", plain_key, "p50")
            served = pick(r, "llama", served_key, "p50")
            if mine is not None and plain:
                add(
                    f"First token <= half of plain LlamaIndex ({size}, {label})",
                    f"{mine} vs {plain} ms in-process"
                    + (f", {served} ms served by FastAPI" if served else ""),
                    mine <= plain / 2,
                )
        if size == "100k":
            reopen, rss = pick(r, "reopen_edge", "health_s"), pick(r, "reopen_edge", "rss_mb")
            if reopen is not None:
                add("Reopen at 100k <= 2 s", f"{reopen} s to /api/health", reopen <= 2)
                add("Resident memory at 100k <= 1 GB", f"{rss} MB", rss <= 1024)
    overhead = relay_overhead(results)
    for path, pct in overhead.items():
        add(f"Relay adds <= 10% to total time ({path})", f"{pct:+}%", pct <= 10)
    if not overhead:
        add("Relay adds <= 10%", "see Relay", None)
    return rows
