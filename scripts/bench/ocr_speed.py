"""OCR speed: pages/s of scanned A4 pages (public Chinese and English passages rendered at
150 dpi, then read back from a PDF with no text layer) through the same code an import
runs, in this process; plus what OCR adds to the bundle.

    python -m scripts.bench.ocr_speed [--pages 4]

Prints the engine's load time, seconds (wall clock and CPU) per page (rendering with
PDFium, detection, recognition), pages/s, characters read, the character accuracy
against the rendered text, and the on-disk and zipped size of the files build.spec adds
for OCR.
"""

from __future__ import annotations

import argparse
import difflib
import io
import time
import zipfile
from importlib.util import find_spec
from pathlib import Path

from scripts.bench.e5_corpus import paragraphs
from scripts.bench.ocr_pages import page_image, scanned_pdf


def pages(count: int) -> list[list[str]]:
    """Half the pages Chinese (CMRC 2018), half English (XQuAD), two passages each."""
    zh = [p["context"][:260] for p in paragraphs("cmrc2018_dev.json")]
    en = [" ".join(p["context"].split()[:80]) for p in paragraphs("xquad.en.json")]
    return [[zh[2 * i], zh[2 * i + 1]] if i % 2 == 0 else [en[2 * i], en[2 * i + 1]]
            for i in range(count)]  # fmt: skip


def bundle_sizes() -> dict[str, tuple[float, float]]:
    """name -> (MB on disk, MB zipped) of what build.spec takes for OCR on this machine."""
    site = Path(find_spec("onnxruntime").origin).parent.parent  # type: ignore[arg-type]
    groups = {
        "PP-OCRv6 models": list((site / "rapidocr" / "models").glob("PP-OCRv6_*_small.onnx")),
        "onnxruntime (Python module)": list((site / "onnxruntime" / "capi").glob("*pybind11*")),
        "PDFium (pypdfium2)": [*(site / "pypdfium2_raw").glob("*pdfium*")],
    }
    sizes = {}
    for name, files in groups.items():
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in files:
                archive.write(file, file.name)
        on_disk = sum(f.stat().st_size for f in files)
        sizes[name] = (on_disk / 1e6, len(buffer.getvalue()) / 1e6)
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=4)
    args = parser.parse_args()
    texts = pages(args.pages)
    pdf = scanned_pdf([page_image(page) for page in texts])

    from backend.rag.readers.ocr import shared_engine
    from backend.rag.readers.pdf import read_pdf

    started = time.perf_counter()
    shared_engine()
    load_s = time.perf_counter() - started
    started, cpu_started = time.perf_counter(), time.process_time()
    document = read_pdf(pdf)
    read_s = time.perf_counter() - started
    cpu_s = time.process_time() - cpu_started

    read_chars = sum(len(p.text) for p in document.pages)
    ratios = []
    for expected, page in zip(texts, document.pages, strict=True):
        truth = "".join("".join(expected).split())
        got = "".join(page.text.split())
        ratios.append(difflib.SequenceMatcher(None, truth, got, autojunk=False).ratio())
    print(f"engine load: {load_s:.1f} s")
    print(f"{args.pages} scanned A4 pages (150 dpi), {read_chars} characters read")
    print(f"{read_s / args.pages:.2f} s per page, {args.pages / read_s:.2f} pages/s")
    # CPU time counts every thread: on a busy machine it says more than the wall clock
    print(f"{cpu_s / args.pages:.2f} CPU s per page, {args.pages / cpu_s:.2f} pages/s per core")
    print(f"character match with the rendered text: {100 * sum(ratios) / len(ratios):.1f}%")
    print("\n| added to the bundle | on disk | zipped |\n|---|---|---|")
    for name, (disk, zipped) in bundle_sizes().items():
        print(f"| {name} | {disk:.1f} MB | {zipped:.1f} MB |")


if __name__ == "__main__":
    main()
