"""OCR of a page image, offline: RapidOCR's PP-OCR models run on ONNX Runtime.

The models (text detection and recognition, Chinese and English in one) ship inside the
`rapidocr` wheel, and the bundle carries them as data (build.spec). Only the model files
are used: running them takes numpy, Pillow and onnxruntime, while the rapidocr package's
own code needs OpenCV (about 170 MB on disk) and has a code path that downloads missing
models, neither of which a desktop app that must stay offline and small wants.

Detection gives a probability map of "text here"; its connected regions, grown back by
the DB "unclip" margin, are the text lines. Each line is cut from the page, scaled to the
recogniser's height and decoded by CTC (the model carries its own character table).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

import numpy as np
from PIL import Image

from backend.paths import bundle_root

from .document import ReaderError
from .ocr_layout import TextBox, find_regions, page_text

DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
# Detection sees the page with its longer side at most this long: 200 dpi body text stays
# about 20 px tall, which the detector finds, at a third of the cost of the full page.
DET_MAX_SIDE = 1280
REC_HEIGHT = 48
REC_MIN_WIDTH = 320
REC_BATCH = 6
BOX_THRESHOLD = 0.5  # mean "text" probability a region needs to count as a line
MIN_CONFIDENCE = 0.5  # a line recognised with less is noise (a stamp, a smudge, a rule)

MISSING_MESSAGE = "OCR models are missing from this installation; scanned pages cannot be read."


@dataclass(frozen=True)
class OcrLine:
    box: TextBox
    text: str
    confidence: float


def model_dir() -> Path:
    """The bundle's rapidocr/models folder, else the installed rapidocr package's."""
    bundled = bundle_root() / "rapidocr" / "models"
    if (bundled / DET_MODEL).is_file():
        return bundled
    spec = find_spec("rapidocr")  # finds the folder without running the package's code
    if spec is None or not spec.submodule_search_locations:
        raise ReaderError("ocr_unavailable", MISSING_MESSAGE)
    return Path(next(iter(spec.submodule_search_locations))) / "models"


class OcrEngine:
    """The two ONNX sessions, loaded once per reader process (about 1 s)."""

    def __init__(self, models: Path | None = None) -> None:
        import onnxruntime as ort

        folder = models or model_dir()
        if not (folder / DET_MODEL).is_file() or not (folder / REC_MODEL).is_file():
            raise ReaderError("ocr_unavailable", MISSING_MESSAGE)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        # The reader child is one of several busy processes; its own threads would fight
        # the embedder's for the same cores.
        options.intra_op_num_threads = min(2, os.cpu_count() or 1)
        # Idle threads sleep instead of spinning: spinning burns a core other work needs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.enable_cpu_mem_arena = False  # memory goes back after each page
        providers = ["CPUExecutionProvider"]
        self._det = ort.InferenceSession(str(folder / DET_MODEL), options, providers=providers)
        self._rec = ort.InferenceSession(str(folder / REC_MODEL), options, providers=providers)
        table = self._rec.get_modelmeta().custom_metadata_map["character"].splitlines()
        # CTC: index 0 is "blank"; the table ends with a space the model was trained with.
        self._characters = ["", *table, " "]

    def read(self, image: Image.Image) -> list[OcrLine]:
        """The text lines found on ``image``, in no particular order."""
        page = np.asarray(image.convert("RGB"))[:, :, ::-1]  # the models were trained on BGR
        boxes = [b for b in self._detect(page) if b.right - b.left > 1 and b.height > 1]
        # Lines of like width share a batch: each batch is padded to its widest line.
        boxes.sort(key=lambda b: (b.right - b.left) / b.height)
        lines: list[OcrLine] = []
        for start in range(0, len(boxes), REC_BATCH):
            batch = boxes[start : start + REC_BATCH]
            for box, (text, confidence) in zip(batch, self._recognise(page, batch), strict=True):
                if text.strip() and confidence >= MIN_CONFIDENCE:
                    lines.append(OcrLine(box, text.strip(), confidence))
        return lines

    def _detect(self, page: np.ndarray) -> list[TextBox]:
        height, width = page.shape[:2]
        scale = min(1.0, DET_MAX_SIDE / max(height, width))
        # The network halves the size five times: both sides must be multiples of 32.
        det_h = max(32, round(height * scale / 32) * 32)
        det_w = max(32, round(width * scale / 32) * 32)
        resized = np.asarray(
            Image.fromarray(page).resize((det_w, det_h), Image.Resampling.BILINEAR)
        )
        blob = _normalise(resized)[np.newaxis]
        probability = self._det.run(None, {"x": blob})[0][0, 0]
        regions = find_regions(probability, BOX_THRESHOLD)
        return [r.scaled(width / det_w, height / det_h).clipped(width, height) for r in regions]

    def _recognise(self, page: np.ndarray, boxes: list[TextBox]) -> list[tuple[str, float]]:
        crops = [page[b.top : b.bottom, b.left : b.right] for b in boxes]
        ratios = [c.shape[1] / max(1, c.shape[0]) for c in crops]
        batch_width = max(REC_MIN_WIDTH, int(np.ceil(REC_HEIGHT * max(ratios))))
        blob = np.zeros((len(crops), 3, REC_HEIGHT, batch_width), dtype=np.float32)
        for row, (crop, ratio) in enumerate(zip(crops, ratios, strict=True)):
            crop_width = min(batch_width, max(1, int(np.ceil(REC_HEIGHT * ratio))))
            scaled = Image.fromarray(np.ascontiguousarray(crop)).resize(
                (crop_width, REC_HEIGHT), Image.Resampling.BILINEAR
            )
            blob[row, :, :, :crop_width] = _normalise(np.asarray(scaled))
        scores = self._rec.run(None, {"x": blob})[0]
        return [self._decode(row) for row in scores]

    def _decode(self, scores: np.ndarray) -> tuple[str, float]:
        best = scores.argmax(axis=1)
        keep = best != 0
        keep[1:] &= best[1:] != best[:-1]  # CTC: a repeated symbol is one symbol
        if not keep.any():
            return "", 0.0
        text = "".join(self._characters[i] for i in best[keep] if i < len(self._characters))
        return text, float(scores.max(axis=1)[keep].mean())


def _normalise(pixels: np.ndarray) -> np.ndarray:
    """HWC uint8 -> CHW float32 in [-1, 1], as both models were trained."""
    return ((pixels.astype(np.float32) / 255.0 - 0.5) / 0.5).transpose(2, 0, 1)


_engine: OcrEngine | None = None
_engine_lock = threading.Lock()


def shared_engine() -> OcrEngine:
    """One engine per process: the reader child reads many pages and files."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = OcrEngine()
        return _engine


def ocr_page_text(image: Image.Image) -> str:
    """The text on one page image, as paragraphs in reading order."""
    return page_text(shared_engine().read(image))
