"""PDF pages as images, for OCR: PDFium (pypdfium2) renders what a viewer would show.

Rendering rather than pulling the embedded images out keeps every scan encoding PDFium
knows (JBIG2, CCITT fax, JPEG 2000), pages assembled from image strips, masks and page
rotation. Pages are rendered at 200 dpi, enough for 8-point print, and a very large page
(a poster, a drawing) at no more than ``MAX_SIDE`` pixels on its longer side.
"""

from __future__ import annotations

from collections.abc import Iterator

from PIL import Image

DPI = 200
MAX_SIDE = 3500


def rendered_pages(data: bytes, indexes: list[int]) -> Iterator[tuple[int, Image.Image]]:
    """(index, image) of each 0-based page index asked for, one page in memory at a time."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        for index in indexes:
            page = document[index]
            try:
                width, height = page.get_size()  # in points, 1/72 inch
                scale = min(DPI / 72, MAX_SIDE / max(width, height, 1))
                bitmap = page.render(scale=scale, grayscale=True)
                image = bitmap.to_pil().convert("RGB")
                bitmap.close()
            finally:
                page.close()
            yield index, image
    finally:
        document.close()
