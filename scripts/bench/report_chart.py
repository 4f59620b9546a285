"""The report's chart: import rate, first token and memory per corpus size."""

from __future__ import annotations

from pathlib import Path

from scripts.bench.report_format import pick, sizes_of


def chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sizes_of(results)
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
            values = [pick(results[s], *keys) or 0 for s in sizes]
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
