"""Run every wow-rag benchmark on a generated corpus and write docs/benchmarks.md + .png.

    python -m scripts.bench.run_all                 # 1k and 10k chunks
    python -m scripts.bench.run_all --sizes 100k    # the long one (see docs/benchmarks.md)
    python -m scripts.bench.run_all --quick         # 1k only, fewer rounds
    python -m scripts.bench.run_all --report-only   # re-render from the saved results

Results of each size are saved under scripts/bench/.cache/results.json (git-ignored) and
merged, so sizes can be run separately and rendered together. Every loop and every
child process has a time limit; all traffic stays on loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from scripts.bench.common import CACHE, ROOT, Server, machine, save_json
from scripts.bench.size_run import LOADS, RESULTS, load_results, log, run_size


def refresh_disk(results: dict) -> None:
    """Re-measure the data dirs still on disk (allocated blocks, see common.du_mb)."""
    from scripts.bench.common import du_mb

    for size in ("1k", "10k", "100k"):
        for engine in ("edge", "local"):
            block = _dict(results, size, f"reopen_{engine}")
            folder = CACHE / "data" / f"{engine}-{size}"
            if block is not None and folder.exists():
                block["disk_mb"], block["qdrant_disk_mb"] = du_mb(folder), du_mb(folder / "qdrant")


def _dict(results: dict, *keys: str) -> dict | None:
    for key in keys:
        results = results.get(key) if isinstance(results, dict) else None
    return results if isinstance(results, dict) else None


def run_relay(results: dict) -> None:
    relay = Path(__file__).parent / "relay.py"
    if not relay.exists():
        results["relay"] = {"todo": "scripts/bench/relay.py not present yet"}
        return
    log("relay overhead (scripts/bench/relay.py)")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "scripts.bench.relay", "--runs", "30"],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=ROOT,
        )
        lines = [line for line in done.stdout.splitlines() if line.strip()]
        parsed = None
        for line in reversed(lines):
            try:
                parsed = json.loads(line)
                break
            except ValueError:
                continue
        results["relay"] = {
            "output": "\n".join(lines[-20:]),
            "json": parsed,
            "returncode": done.returncode,
        }
    except subprocess.TimeoutExpired:
        results["relay"] = {"error": "timed out after 600 s"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1k,10k")
    parser.add_argument("--quick", action="store_true", help="1k only, fewer rounds")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--skip-local", action="store_true")
    parser.add_argument("--skip-llama", action="store_true")
    parser.add_argument(
        "--http-100k",
        action="store_true",
        help="import 100k through HTTP too (embeds everything: 30+ minutes)",
    )
    parser.add_argument("--llama-100k", action="store_true")
    parser.add_argument(
        "--direct-sizes", default="1k", help="sizes whose import is also timed without embedding"
    )
    parser.add_argument(
        "--local-limit", type=float, default=900, help="seconds allowed to each local-mode step"
    )
    parser.add_argument("--llama-limit", type=float, default=1800)
    parser.add_argument(
        "--relay-only", action="store_true", help="run only relay.py, then write the report"
    )
    args = parser.parse_args()
    os.chdir(ROOT)
    results = load_results()
    try:
        run(args, results)
    finally:
        for server in list(Server.live):
            server.stop()


def run(args: argparse.Namespace, results: dict) -> None:
    if args.relay_only:
        run_relay(results)
        save_json(RESULTS, results)
    elif not args.report_only:
        results["machine"] = machine()
        sizes = ["1k"] if args.quick else args.sizes.split(",")
        for size in sizes:
            LOADS.clear()
            run_size(size, args, results)
            results.setdefault("load", {})[size] = (
                f"{min(LOADS):.1f} to {max(LOADS):.1f}" if LOADS else "n/a"
            )
            save_json(RESULTS, results)
        run_relay(results)
        save_json(RESULTS, results)
    refresh_disk(results)
    save_json(RESULTS, results)
    from scripts.bench.report import write_report

    write_report(results, ROOT / "docs" / "benchmarks.md", ROOT / "docs" / "benchmarks.png")
    log("wrote docs/benchmarks.md and docs/benchmarks.png")


if __name__ == "__main__":
    main()
