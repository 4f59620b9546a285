"""The before/after table: metric | before | after | change | reference | goal, from the
medians before_after.py saved."""

from __future__ import annotations

import statistics

# metric key, row name, unit, reference (the plain LlamaIndex pipeline or the bare
# embedder on the same corpus, where a benchmark produces one), goal
ROWS: list[tuple[str, str, str, str, str]] = [
    (
        "extractive_1k",
        "first token p50, extractive, 1k chunks",
        "ms",
        "plain LlamaIndex",
        "no regression",
    ),
    (
        "extractive_10k",
        "first token p50, extractive, 10k chunks",
        "ms",
        "plain LlamaIndex",
        "<= 100 ms",
    ),
    (
        "scripted_1k",
        "first token p50, scripted upstream, 1k",
        "ms",
        "plain LlamaIndex",
        "no regression",
    ),
    (
        "scripted_10k",
        "first token p50, scripted upstream, 10k",
        "ms",
        "plain LlamaIndex",
        "no regression",
    ),
    ("cpu_1k", "app CPU per extractive answer, 1k", "ms", "", ""),
    ("cpu_10k", "app CPU per extractive answer, 10k", "ms", "", ""),
    ("relay_stream", "relay overhead, /api/chat/stream", "%", "", "<= 10%"),
    ("relay_v1", "relay overhead, /v1/chat/completions", "%", "", "<= 10%"),
    ("health_s", "headless launch to /api/health (source)", "s", "", ""),
    ("idle_rss_mb", "idle memory headless, 3 s after health (source)", "MB", "", "<= 400 MB"),
    (
        "settled_rss_mb",
        "idle memory headless, 25 s after (background loads done)",
        "MB",
        "",
        "<= 400 MB",
    ),
    ("window_visible_s", "window visible after launch (source, Xvfb)", "s", "", "<= 1.5 s"),
    ("ui_ready_s", "UI ready in the window (source, Xvfb)", "s", "", "<= 5 s"),
    ("window_rss_mb", "window mode, all processes", "MB", "", "<= 400 MB"),
    ("zip_mb", "bundle zip without Qt", "MB", "", "<= 250 MB"),
    ("LlamaIndex", "  of which LlamaIndex's own packages (compressed)", "MB", "", "say"),
    ("e5", "  of which e5 (weights, sentencepiece)", "MB", "", "say"),
    ("bundle_health_s", "bundle launch to /api/health", "s", "", ""),
    ("bundle_idle_rss_mb", "bundle idle memory headless, 3 s", "MB", "", "<= 400 MB"),
    ("bundle_settled_rss_mb", "bundle idle memory headless, 25 s", "MB", "", "<= 400 MB"),
]


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "%":
        return f"{value:+.1f}%"
    text = (
        f"{value:,.0f}"
        if abs(value) >= 100
        else f"{value:.1f}"
        if abs(value) >= 10
        else f"{value:.2f}"
    )
    return f"{text} {unit}"


def _change(before: float | None, after: float | None, unit: str) -> str:
    if before is None or after is None:
        return "-"
    if unit == "%":
        return f"{after - before:+.1f} points"
    if before == 0:
        return f"{after - before:+.1f} {unit}"
    return f"{100 * (after - before) / before:+.0f}%"


def _reference(run: dict, key: str, name: str, unit: str) -> str:
    value = run.get("medians", {}).get("reference", {}).get(key)
    if not name or value is None:
        return ""
    text = f"{name} {_fmt(value, unit)}"
    if key.startswith("import_"):
        plain = run["medians"]["reference"].get("llama_" + key)
        text += f"; plain LlamaIndex {_fmt(plain, unit)}" if plain is not None else ""
    return text


def render(run: dict) -> str:
    medians = run.get("medians", {})
    before, after = medians.get("before", {}), medians.get("after", {})
    no_e5 = medians.get("after, no e5 pass", {})
    lines = [
        f"| metric | before ({run.get('old')}) | after ({run.get('new')}) | change "
        "| after, e5 pass off | reference | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, name, unit, ref, goal in ROWS:
        if key not in before and key not in after:
            continue
        b, a = before.get(key), after.get(key)
        off = f"{_fmt(no_e5[key], unit)} ({_change(b, no_e5[key], unit)})" if key in no_e5 else ""
        lines.append(
            f"| {name} | {_fmt(b, unit)} | {_fmt(a, unit)} | {_change(b, a, unit)} "
            f"| {off} | {_reference(run, key, ref, unit)} | {goal} |"
        )
    rounds = run.get("rounds", {}).get("after") or {}
    counts = sorted({len(v) for v in rounds.values()})
    lines += [
        "",
        "Load average (1, 5, 15 min): "
        + "; ".join(run.get("load", []))
        + ". Medians of "
        + " to ".join(map(str, counts))
        + " rounds per variant, the variants in turn.",
    ]
    for label, bundle in (run.get("bundle") or {}).items():
        lines.append(f"{label} bundle parts, largest (MB): " + _largest(bundle.get("parts_mb", {})))
    grown = _grown(run)
    if grown:
        lines.append("Bundle parts that changed (MB, compressed): " + ", ".join(grown))
    return "\n".join(lines)


def _largest(parts: dict[str, float], n: int = 8) -> str:
    return ", ".join(f"{k} {v:.1f}" for k, v in sorted(parts.items(), key=lambda x: -x[1])[:n])


def _grown(run: dict) -> list[str]:
    from scripts.bench.bundle_size import grown

    bundle = run.get("bundle") or {}
    if "before" not in bundle or "after" not in bundle:
        return []
    return grown(bundle["before"]["parts_mb"], bundle["after"]["parts_mb"])


def merged(runs: list[dict]) -> dict:
    """Runs of the same two commits (different passes) as one."""
    whole: dict = {"rounds": {}, "bundle": {}, "load": []}
    for run in runs:
        whole.setdefault("old", run.get("old"))  # the first run's commits name the table
        whole.setdefault("new", run.get("new"))
        whole["load"] += run.get("load", [])
        whole["bundle"].update(run.get("bundle") or {})
        for label, metrics in run.get("rounds", {}).items():
            for metric, values in metrics.items():
                whole["rounds"].setdefault(label, {}).setdefault(metric, []).extend(values)
    whole["medians"] = medians(whole["rounds"])
    return whole


def medians(results: dict[str, dict[str, list[float]]]) -> dict[str, dict[str, float]]:
    return {
        label: {metric: round(statistics.median(v), 2) for metric, v in metrics.items()}
        for label, metrics in results.items()
    }
