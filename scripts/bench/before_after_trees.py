"""The source trees a before/after run compares: an older commit checked out beside this
one (sharing its installs), and each variant's app in turn."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from scripts.bench.common import ROOT

Variants = dict[str, tuple[Path, dict[str, str]]]  # label -> source tree, environment


def log(message: str) -> None:
    load = Path("/proc/loadavg").read_text().split()[:3]
    print(f"[{time.strftime('%H:%M:%S')}] {message} (load {' '.join(load)})", flush=True)


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


@contextmanager
def checkout(commit: str) -> Iterator[Path]:
    """The commit in a temporary worktree sharing this tree's installs; removed after."""
    with tempfile.TemporaryDirectory(prefix="wowrag-before-") as tmp:
        tree = Path(tmp) / "tree"
        git("worktree", "add", "--detach", str(tree), commit)
        try:
            for shared in (".venv", "web/node_modules"):
                (tree / shared).symlink_to((ROOT / shared).resolve())
            yield tree
        finally:
            git("worktree", "remove", "--force", str(tree))


@contextmanager
def app(tree: Path, env: dict[str, str]) -> Iterator[None]:
    """Servers started meanwhile (common.Server, relay.py's) run this tree's code."""
    added = {"WOWRAG_BENCH_APP": str(tree), **env}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


def build_web(tree: Path) -> None:
    if not (tree / "web" / "dist" / "index.html").is_file():
        subprocess.run(
            ["nice", "-n", "10", "npm", "run", "build"],
            cwd=tree / "web",
            check=True,
            capture_output=True,
        )


def rounds(variants: Variants, count: int) -> Iterator[tuple[str, Path]]:
    """Every variant once per round, the order reversed every other round."""
    labels = list(variants)
    for n in range(count):
        for label in labels if n % 2 == 0 else labels[::-1]:
            tree, env = variants[label]
            with app(tree, env):
                yield label, tree
