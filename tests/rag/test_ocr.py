"""OCR through the real readers and the real models: scanned PDF pages, screenshots and
photos in PNG, JPEG, TIFF and WebP, rendered here from known text."""

from __future__ import annotations

import io
import socket
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter

from backend.rag.readers import (
    PageText,
    ParsedDocument,
    ReaderError,
    ReaderProcess,
    detect_kind,
    read_document,
)
from backend.rag.readers.isolation import run_isolated
from backend.rag.readers.progress import report
from tests.rag.ocr_images import font, line_count, page_image, png, scanned_pdf
from tests.rag.test_readers import pdf_bytes

ZH_IRRIGATION = (
    "水稻田在插秧后的第一个月内每周灌溉两次，每次水深保持在三到五厘米之间，以保证秧苗根系充分生长。"
)
EN_PUMP = (
    "The pump station at the north gate runs every Tuesday morning and is serviced by "
    "the cooperative in March each year."
)
ZH_KEYS = "仓库的钥匙由村委会的会计保管，借用时需要在登记簿上签字。"
EN_VISITORS = (
    "Visitors must register at the blue gate office before entering the seed storage hall."
)


@pytest.fixture(scope="module")
def two_page_scan() -> bytes:
    return scanned_pdf([page_image([ZH_IRRIGATION, EN_PUMP]), page_image([ZH_KEYS, EN_VISITORS])])


def screenshot(
    lines: list[str], *, background: tuple[int, ...] = (255, 255, 255, 0)
) -> Image.Image:
    """A small window-sized image, transparent around the text like many screenshots."""
    image = Image.new("RGBA", (960, 90 + 60 * len(lines)), background)
    draw = ImageDraw.Draw(image)
    for row, line in enumerate(lines):
        draw.text((40, 40 + 60 * row), line, font=font(32), fill=(20, 20, 20, 255))
    return image


def test_scanned_pdf_pages_are_read_by_ocr_with_their_page_numbers(two_page_scan: bytes) -> None:
    assert not "".join(p.extract_text() for p in PdfReader(io.BytesIO(two_page_scan)).pages).strip()
    document = read_document(two_page_scan, "scan.pdf")
    assert [page.page for page in document.pages] == [1, 2]
    first, second = (page.text for page in document.pages)
    assert "每周灌溉两次" in first and "pump station at the north gate" in first
    assert "村委会的会计保管" in second and "blue gate office" in second
    assert "blue gate" not in first and "灌溉" not in second


def test_wrapped_ocr_lines_are_joined_into_paragraphs_chinese_without_spaces(
    two_page_scan: bytes,
) -> None:
    # the page wraps both paragraphs over several lines (checked on the rendering itself)
    assert line_count(ZH_IRRIGATION) > 1 and line_count(EN_PUMP) > 1
    paragraphs = read_document(two_page_scan, "scan.pdf").pages[0].text.split("\n\n")
    assert len(paragraphs) == 2, paragraphs
    zh, en = paragraphs
    assert "\n" not in zh and " " not in zh and zh.startswith("水稻田") and zh.endswith("生长。")
    assert "\n" not in en and "runs every Tuesday morning and is serviced" in en


def test_a_pdf_mixing_text_pages_and_scanned_pages_keeps_both(two_page_scan: bytes) -> None:
    writer = PdfWriter()
    writer.append(io.BytesIO(pdf_bytes([["This page has a real text layer about lighthouses."]])))
    writer.append(io.BytesIO(two_page_scan), pages=(1, 2))
    out = io.BytesIO()
    writer.write(out)
    pages = read_document(out.getvalue(), "mixed.pdf").pages
    assert [page.page for page in pages] == [1, 2]
    assert pages[0].text == "This page has a real text layer about lighthouses."
    assert "blue gate office" in pages[1].text


def test_transparent_screenshot_png_is_read_as_dark_text_on_white() -> None:
    image = screenshot(
        ["备份在每天凌晨两点自动开始。", "The backup archive is kept for forty days."]
    )
    document = read_document(png(image), "screenshot.png")
    assert [page.page for page in document.pages] == [None]
    assert "凌晨两点自动开始" in document.text and "kept for forty days" in document.text


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "photo.jpeg"), ("WEBP", "shot.webp")])
def test_jpeg_and_webp_images_are_read(fmt: str, name: str) -> None:
    out = io.BytesIO()
    screenshot(["发票编号已经核对完毕。"], background=(250, 250, 245, 255)).convert("RGB").save(
        out, fmt, quality=90
    )
    assert "发票编号已经核对完毕" in read_document(out.getvalue(), name).text


def test_multi_page_tiff_keeps_its_page_numbers() -> None:
    frames = [screenshot(["第一页：种子仓库。"]), screenshot(["Page two: the tractor shed."])]
    out = io.BytesIO()
    rgb = [frame.convert("RGB") for frame in frames]
    rgb[0].save(out, "TIFF", save_all=True, append_images=rgb[1:])
    pages = read_document(out.getvalue(), "scan.tif").pages
    assert [page.page for page in pages] == [1, 2]
    assert "种子仓库" in pages[0].text and "tractor shed" in pages[1].text


def test_blank_image_is_no_text_and_damaged_png_is_parse_failed() -> None:
    with pytest.raises(ReaderError) as blank:
        read_document(png(Image.new("RGB", (400, 300), "white")), "blank.png")
    assert blank.value.code == "no_text" and "OCR" in blank.value.message
    with pytest.raises(ReaderError) as damaged:
        read_document(b"\x89PNG\r\n\x1a\n" + bytes(200), "broken.png")
    assert damaged.value.code == "parse_failed" and "PNG image" in damaged.value.message


def test_image_larger_than_the_pixel_limit_is_refused_before_decoding() -> None:
    out = io.BytesIO()
    Image.new("1", (10_000, 7_000)).save(out, "PNG")  # a few KB that would decode to 70 MP
    with pytest.raises(ReaderError) as error:
        read_document(out.getvalue(), "huge.png")
    assert error.value.code == "parse_memory" and "too large" in error.value.message


@pytest.mark.parametrize(
    ("data", "filename", "kind"),
    [
        (b"\xff\xd8\xff\xe0" + bytes(100), "photo.jpeg", ".jpg"),
        (b"\x89PNG\r\n\x1a\n" + bytes(100), "photo.jpg", ".png"),  # a renamed PNG
        (b"II*\x00" + bytes(100), "scan.tif", ".tiff"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 " + bytes(100), "Screenshot 2026-12-07", ".webp"),
    ],
)  # fmt: skip
def test_image_kinds_are_told_by_their_bytes(data: bytes, filename: str, kind: str) -> None:
    assert detect_kind(data, filename) == kind


def test_image_named_as_text_or_gif_is_still_refused() -> None:
    with pytest.raises(ReaderError) as named_text:
        detect_kind(b"\x89PNG\r\n\x1a\n" + bytes(100), "notes.txt")
    assert named_text.value.code == "type_mismatch"
    with pytest.raises(ReaderError) as gif:
        detect_kind(b"GIF89a" + bytes(100), "anim.gif")
    assert gif.value.code == "unsupported_type"


def test_ocr_loads_and_reads_with_the_network_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline means offline: the models come from the installed package, and none of
    rapidocr's own code (which can download models) is imported."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("OCR tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    from backend.rag.readers.ocr import OcrEngine
    from backend.rag.readers.ocr_layout import page_text

    text = page_text(OcrEngine().read(screenshot(["离线识别。 Offline reading."]).convert("RGB")))
    assert "离线识别" in text and "Offline reading" in text
    assert not [name for name in sys.modules if name.startswith("rapidocr")]


def test_isolated_reader_reports_each_ocr_page(two_page_scan: bytes, tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(two_page_scan)
    reader = ReaderProcess(timeout_s=120, memory_mb=2048)
    reports: list[tuple[int, int]] = []
    try:
        document = reader.read(
            str(path), "scan.pdf", lambda done, total: reports.append((done, total))
        )
        # the same child then reads a plain file as before, with no stale report
        (tmp_path / "notes.txt").write_text("Plain text after a scan.", "utf-8")
        plain = reader.read(str(tmp_path / "notes.txt"), "notes.txt")
    finally:
        reader.close()
    assert reports == [(1, 2), (2, 2)]
    assert "blue gate office" in document.pages[1].text
    assert plain.text == "Plain text after a scan."


def slow_pages_reader(data_path: str, filename: str) -> ParsedDocument:
    """Test-only reader for the child: four slow pages, each reported when done."""
    for done in range(1, 5):
        time.sleep(4)
        report(done, 4)
    return ParsedDocument([PageText(1, "four slow pages")])


def test_isolated_timeout_is_per_reported_page_not_per_file(tmp_path: Path) -> None:
    # 16 s of pages against a 10 s timeout: each page's report restarts it
    document = run_isolated(
        slow_pages_reader, str(tmp_path / "x"), "scan.pdf", timeout_s=10, memory_mb=1024
    )
    assert document.text == "four slow pages"
