"""A source tree's desktop bundle without Qt (what the Windows and macOS bundles carry):
built by that tree's own scripts/build.py, its zip's size, and what each top-level part
of it weighs compressed, so that two builds can say what a change added (LlamaIndex, e5).

    python -m scripts.bench.bundle_size TREE      # builds TREE/dist, prints the parts
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

# Parts of the bundle that belong to one feature: the first folder under the app's library
# folder (PyInstaller's `_internal`: data and binaries), or `py:` and a top-level package
# in the executable's PYZ archive (compiled Python modules, compressed).
FEATURES = {
    "LlamaIndex": ("llama_index", "py:llama_index", "py:workflows", "py:banks", "py:griffe"),
    "e5": ("models", "sentencepiece", "py:sentencepiece"),
}


def build(tree: Path, log: Path) -> Path:
    """Build TREE's bundle without Qt, niced (the machine is shared; at nice 10 a build got
    a fifteenth of a core under a load average of 20 and never finished); return its zip."""
    env = {**os.environ, "WOWRAG_BUNDLE_QT": "0", "PYTHONPATH": str(tree)}
    with log.open("wb") as sink:
        subprocess.run(
            ["nice", "-n", "5", sys.executable, str(tree / "scripts" / "build.py"), "--skip-web"],
            cwd=tree,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=1800,
        )
    return next((tree / "dist").glob("wow-rag-*.zip"))


def executable(tree: Path) -> Path:
    return tree / "dist" / "wow-rag" / "wow-rag"


def parts(archive: Path) -> dict[str, float]:
    """Compressed MB per top-level part: `wow-rag/_internal/<part>/...` or `wow-rag/<part>`."""
    sizes: Counter[str] = Counter()
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            path = info.filename.split("/")[1:]
            if path and path[0] == "_internal":
                path = path[1:]
            if path and path[0]:
                sizes[path[0] if len(path) > 1 else "(files)"] += info.compress_size
    return {name: round(size / 1e6, 2) for name, size in sizes.items()}


def python_modules(exe: Path) -> dict[str, float]:
    """Compressed MB per top-level package in the executable's PYZ archive."""
    from PyInstaller.archive.readers import CArchiveReader, ZlibArchiveReader

    outer = CArchiveReader(str(exe))
    pyz = ZlibArchiveReader(str(exe), outer.toc["PYZ.pyz"][0] + outer._start_offset)
    sizes: Counter[str] = Counter()
    for name, (_kind, _offset, length) in pyz.toc.items():
        sizes["py:" + name.split(".")[0]] += length
    return {name: round(size / 1e6, 2) for name, size in sizes.items()}


def feature_mb(sizes: dict[str, float]) -> dict[str, float]:
    return {
        feature: round(sum(mb for part, mb in sizes.items() if part.startswith(prefixes)), 1)
        for feature, prefixes in FEATURES.items()
    }


def grown(before: dict[str, float], after: dict[str, float], floor: float = 0.3) -> list[str]:
    """Parts that grew by more than `floor` MB, largest first, as 'name +x.x'."""
    change = {p: after.get(p, 0) - before.get(p, 0) for p in set(before) | set(after)}
    big = sorted((c, p) for p, c in change.items() if abs(c) > floor)
    return [f"{p} {c:+.1f}" for c, p in reversed(big)]


def measure(archive: Path, exe: Path) -> dict[str, object]:
    sizes = parts(archive)
    modules = python_modules(exe)
    # The executable (counted in "(files)") carries the PYZ: count its modules once.
    sizes["(files)"] = round(sizes.get("(files)", 0) - sum(modules.values()), 2)
    sizes.update(modules)
    return {
        "zip_mb": round(archive.stat().st_size / 1e6, 1),
        "features_mb": feature_mb(sizes),
        "parts_mb": sizes,
    }


if __name__ == "__main__":
    tree = Path(sys.argv[1]).resolve()
    print(json.dumps(measure(build(tree, tree / "build.log"), executable(tree)), indent=1))
