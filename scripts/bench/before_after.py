"""Before/after in one run: an older commit's app against this tree's, timed by the same
benchmarks (first_token, relay, start_up, bundle_size), the two trees in turn in every
round, so that whatever else the machine does weighs on both alike.

    python -m scripts.bench.before_after --old ed6ddf8            # servers and start-up
    python -m scripts.bench.before_after --old ed6ddf8 --bundle   # + both bundles (no Qt)
    python -m scripts.bench.before_after --report-only            # the table again

The old commit is checked out with `git worktree` in a temporary folder that shares this
tree's .venv and web/node_modules (the old code must run with today's packages). Each
value is the median of its rounds; the load average is printed at the start and the end.
Results: scripts/bench/.cache/before_after.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from scripts.bench.before_after_references import record, references
from scripts.bench.before_after_table import medians, merged, render
from scripts.bench.before_after_trees import Variants, build_web, checkout, git, log, rounds
from scripts.bench.common import CACHE, ROOT, Server, fresh_dir, save_json

OUT = CACHE / "before_after.json"
STORES = CACHE / "before-after"
Results = dict[str, dict[str, list[float]]]  # variant -> metric -> one value per round
# The app loads LlamaIndex core (2 to 2.6 s idle, far longer on a busy machine) and e5
# (15 s after start-up) in the background; until then a chat goes around them. A timed
# pass starts this long after health, so that it times the app as it is once started.
SETTLE_S = 25.0
NO_E5 = {"WOWRAG_PASSAGE_VECTORS": "false"}


def store(label: str, size: str) -> Path:
    """Every variant of one tree asks the store that tree's app imported."""
    return STORES / f"{label.split(',')[0]}-{size}"


def first_token(variants: Variants, sizes: list[str], count: int, results: Results) -> None:
    """Import each size into each tree's app over HTTP (an app of a later schema migrates
    a copy of the older app's store where --copy-sizes says so), then time first tokens."""
    from scripts.bench import corpus
    from scripts.bench.first_token import ask_all, with_scripted_llm

    for size in sizes:
        gen = corpus.generate(size)
        folder = CACHE / f"corpus-{size}"
        if not folder.exists() or len(list(folder.glob("*.md"))) != len(gen.files):
            fresh_dir(folder)
            gen.write(folder)
        kb: dict[str, list[str]] = {}
        for label, _tree in rounds(variants, 1):
            kb[label] = imported(label, size, folder, list(gen.files), results)
        for label, _tree in rounds(variants, count):
            log(f"{size}: first token, extractive then scripted upstream ({label})")
            for mode, ask in (("extractive", ask_all), ("scripted", with_scripted_llm)):
                server = Server(store(label, size) / "data")  # fresh: no vector cached
                try:
                    # a pass stopped half-way may have left the scripted upstream set
                    server.client.put("/api/settings", json={"llm": {"provider": "extractive"}})
                    time.sleep(SETTLE_S)
                    timing = ask(server, gen.questions, kb[label])
                finally:
                    server.stop()
                p50 = timing.get("first_token_ms", {})
                record(results, label, {f"{mode}_{size}": p50.get("p50") if p50 else None})


def cpu(variants: Variants, sizes: list[str], count: int, results: Results) -> None:
    """CPU time the app's own process spends per extractive answer, which a busy machine
    stretches far less than the wall clock (the e5 pass's process is not counted)."""
    from scripts.bench import corpus
    from scripts.bench.common import ASK_PAUSE_S, chat_once, percentile
    from scripts.bench.first_token import WARM_UP

    for size in sizes:
        questions = corpus.generate(size).questions
        for label, _tree in rounds(variants, count):
            log(f"{size}: CPU per answer, extractive ({label})")
            kb = json.loads((store(label, size) / "kb.json").read_text())["kb_ids"]
            server = Server(store(label, size) / "data")
            try:
                server.client.put("/api/settings", json={"llm": {"provider": "extractive"}})
                time.sleep(SETTLE_S)
                for text in WARM_UP:
                    chat_once(server.client, text, kb)
                first, used = [], _cpu_s(server.pid)
                for q in questions:
                    time.sleep(ASK_PAUSE_S)
                    first.append(chat_once(server.client, q.text, kb).first_token_ms or 0.0)
                used = _cpu_s(server.pid) - used
            finally:
                server.stop()
            record(
                results,
                label,
                {
                    f"cpu_{size}": round(1000 * used / len(questions), 1),
                    f"extractive_{size}": percentile(first, 50),
                },
            )


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


COPY_SIZES: set[str] = set()


def imported(label: str, size: str, folder: Path, names: list[str], results: Results) -> list[str]:
    """The KB ids of the variant's store, imported once and kept for later runs."""
    from scripts.bench import import_bench as ib

    where = store(label, size)
    done_file = where / "kb.json"
    if done_file.exists():
        return list(json.loads(done_file.read_text())["kb_ids"])
    if size in COPY_SIZES and label != "before":
        log(f"{size}: {label} opens a copy of the before store")
        source = store("before", size)
        fresh_dir(where)
        shutil.copytree(source / "data", where / "data")
        (where / "data" / "server.json").unlink(missing_ok=True)
        shutil.copy(source / "kb.json", done_file)
        return imported(label, size, folder, names, results)
    log(f"{size}: import over HTTP ({label})")
    fresh_dir(where)
    server = Server(where / "data")
    try:
        done = ib.http_import(server, folder, names, "bench")
    finally:
        server.stop()
    record(results, label, {f"import_{size}": float(done["chunks_per_s"])})
    done_file.write_text(json.dumps({"kb_ids": [done["kb_id"]], "import": done}))
    return [str(done["kb_id"])]


def relay(variants: Variants, count: int, results: Results) -> None:
    for label, _tree in rounds(variants, count):
        log(f"relay overhead ({label})")
        done = subprocess.run(
            [sys.executable, "-m", "scripts.bench.relay", "--runs", "10", "--json"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
        added = json.loads(done.stdout.strip().splitlines()[-1])["added_pct"]
        record(
            results,
            label,
            {"relay_stream": added["/api/chat/stream"], "relay_v1": added["/v1/chat/completions"]},
        )


def start_up(variants: Variants, count: int, results: Results) -> None:
    from scripts.bench import start_up as su

    for tree, _env in variants.values():
        build_web(tree)
    for label, _tree in rounds(variants, count):
        log(f"start-up, headless and in a window ({label})")
        record(results, label, dict(su.headless()))
        record(results, label, dict(su.window()))


def bundles(variants: Variants, count: int, results: Results, extra: dict) -> None:
    """Each tree's bundle without Qt (the app's defaults: every background load on)."""
    from scripts.bench import bundle_size as bs
    from scripts.bench import start_up as su

    trees = {label: tree for label, (tree, env) in variants.items() if not env}
    for tree in trees.values():
        build_web(tree)
    for label, tree in trees.items():
        log(f"bundle without Qt, niced ({label})")
        archive = bs.build(tree, CACHE / f"build-{label}.log")
        extra[label] = bs.measure(archive, bs.executable(tree))
        record(results, label, {"zip_mb": extra[label]["zip_mb"], **extra[label]["features_mb"]})
    for label, tree in rounds({k: (v, {}) for k, v in trees.items()}, count):
        log(f"bundle start-up, headless ({label})")
        started = su.headless([str(bs.executable(tree))])
        record(results, label, {f"bundle_{k}": v for k, v in started.items()})


PASSES = ("first_token", "cpu", "relay", "start_up", "bundle", "references")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--old", default="ed6ddf8", help="the commit to compare against")
    parser.add_argument("--sizes", default="1k,10k")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--passes", default="first_token,relay,start_up", help=f"of {','.join(PASSES)}"
    )
    parser.add_argument(
        "--copy-sizes",
        default="",
        help="sizes imported by the old app only; this app opens (migrates) a copy",
    )
    parser.add_argument("--keep", action="store_true", help="add to the saved results")
    parser.add_argument("--out", type=Path, default=OUT, help="where the results go")
    parser.add_argument(
        "--report-only", nargs="*", type=Path, help="render these saved results, merged"
    )
    args = parser.parse_args()
    if args.report_only is not None:
        print(render(merged([json.loads(f.read_text("utf-8")) for f in args.report_only or [OUT]])))
        return
    out: Path = args.out
    sizes, passes = args.sizes.split(","), args.passes.split(",")
    COPY_SIZES.update(filter(None, args.copy_sizes.split(",")))
    run: dict = json.loads(out.read_text("utf-8")) if args.keep and out.exists() else {}
    run.update(old=git("rev-parse", "--short", args.old), new=git("rev-parse", "--short", "HEAD"))
    run.setdefault("load", []).append(_load("start"))
    log(f"{run['old']} against {run['new']}: {', '.join(passes)}")
    results: Results = run.setdefault("rounds", {})
    steps: dict[str, Callable[[Variants], None]] = {
        "first_token": lambda v: first_token(v, sizes, args.rounds, results),
        "cpu": lambda v: cpu(v, sizes, args.rounds, results),
        "relay": lambda v: relay(v, args.rounds + 1, results),
        "start_up": lambda v: start_up(v, args.rounds, results),
        "bundle": lambda v: bundles(v, 1, results, run.setdefault("bundle", {})),
        "references": lambda v: references(sizes, results),
    }
    with checkout(args.old) as old:
        variants: Variants = {
            "before": (old, {}),
            "after": (ROOT, {}),
            "after, no e5 pass": (ROOT, NO_E5),
        }
        try:
            for name in passes:
                steps[name](variants)
                run["medians"] = medians(results)
                save_json(out, run)
        finally:
            for server in list(Server.live):
                server.stop()
            run["load"].append(_load("end"))
            run["medians"] = medians(results)
            save_json(out, run)
    print(render(run))


def _load(when: str) -> str:
    return f"{when} {time.strftime('%H:%M')}: " + " ".join(
        Path("/proc/loadavg").read_text().split()[:3]
    )


if __name__ == "__main__":
    main()
