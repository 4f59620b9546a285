"""Images (PNG, JPEG, TIFF, WebP): screenshots, photos and scans of pages, read by OCR.

A multi-page TIFF (what many scanners write) keeps its page numbers; a single image is
one page without a number, like any other single-page format. A phone photo is turned
upright first (its EXIF orientation), and transparency is laid on white, so that a
screenshot with a transparent background does not become black text on black.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from .document import PageText, ParsedDocument, ReaderError, build_document
from .ocr import ocr_page_text
from .progress import report

# Past this many pixels an image is refused before decoding: a 20,000 x 20,000 PNG of a
# few KB would otherwise take gigabytes (Pillow's own bomb check only warns below 179 MP).
MAX_PIXELS = 60_000_000
MAX_FRAMES = 500
NAMES = {"PNG": "PNG image", "JPEG": "JPEG image", "TIFF": "TIFF image", "WEBP": "WebP image"}
NO_TEXT_MESSAGE = "No text was found in this image, not even by OCR."


def read_image(data: bytes) -> ParsedDocument:
    try:
        image = Image.open(io.BytesIO(data))
        what = NAMES.get(image.format or "", "image")
        # A TIFF's frames are pages; an animated PNG or WebP is read by its first frame.
        frames = min(getattr(image, "n_frames", 1), MAX_FRAMES) if image.format == "TIFF" else 1
        pages = []
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            if number > frames:
                break
            if frame.width * frame.height > MAX_PIXELS:  # checked before decoding
                raise ReaderError(
                    "parse_memory",
                    f"This {what} is too large to read ({frame.width} x {frame.height} pixels).",
                )
            text = ocr_page_text(_upright(frame))
            pages.append(PageText(number if frames > 1 else None, text))
            report(number, frames)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        # Pillow says "truncated", "broken data stream" ... for damaged files.
        kind = NAMES.get(_format_of(data), "image")
        # "cannot identify image file <_io.BytesIO ...>" tells a person nothing more
        detail = "" if isinstance(error, UnidentifiedImageError) else f" ({error})"
        raise ReaderError(
            "parse_failed", f"This {kind} is damaged or incomplete and cannot be read{detail}."
        ) from error
    if not any(page.text for page in pages):
        raise ReaderError("no_text", NO_TEXT_MESSAGE)
    return build_document(pages)


def _upright(frame: Image.Image) -> Image.Image:
    frame = ImageOps.exif_transpose(frame) or frame
    if frame.mode in ("I;16", "I;16L", "I;16B", "I", "F"):  # 16-bit and float scans
        values = np.asarray(frame.convert("F"))
        low, high = float(values.min()), float(values.max())
        scaled = (values - low) * (255.0 / max(high - low, 1e-6))
        frame = Image.fromarray(scaled.astype(np.uint8))
    if frame.mode in ("RGBA", "LA", "PA") or "transparency" in frame.info:
        rgba = frame.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return frame.convert("RGB")


def _format_of(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    return "WEBP" if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else ""
