"""Hostile uploads against a live server (1 MB limit, its own TMPDIR): each one gets a clear
error or a failed document with a reason, the server stays up and keeps answering from what
was imported before, and nothing is written outside the data dir."""

from __future__ import annotations

import io
import re
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests import corpus_files
from tests.conftest import wait_documents
from tests.security.conftest import HostileServer, error_of

FACT = "The Orbit warehouse restocks pallet SKU-7731 every Thursday at 06:00."
GENERATED = re.compile(r"^[0-9a-f]{32}\.bin$")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileServer]:
    root = tmp_path_factory.mktemp("hostile")
    before = _outside(root)
    # Short parse limits, so that the slow file below meets them within the test.
    live = HostileServer(root, WOWRAG_PARSE_TIMEOUT_S="5", WOWRAG_PARSE_MEMORY_MB="768")
    yield live
    live.stop()
    assert _outside(root) == before | {"data"}, "something was written outside the data dir"
    assert list(live.tmp.iterdir()) == [], "something was written to the temp dir"


@pytest.fixture(scope="module")
def library(server: HostileServer) -> str:
    """A knowledge base imported before the hostile files arrive."""
    kb = server.client.post("/api/kbs", json={"name": "library"}).json()
    answer = server.client.post(
        f"/api/kbs/{kb['id']}/documents", files={"files": ("orbit.txt", FACT.encode())}
    )
    assert answer.status_code == 202, answer.text
    assert wait_documents(server.client, kb["id"])[0]["status"] == "ready"
    return str(kb["id"])


@pytest.fixture
def kb(server: HostileServer, library: str) -> Iterator[str]:
    """A fresh knowledge base for one test; afterwards the server still answers from the
    library and holds no file outside its data dir."""
    made = server.client.post("/api/kbs", json={"name": f"hostile-{time.monotonic_ns()}"})
    yield str(made.json()["id"])
    assert server.process.poll() is None, "the server died"
    assert list(server.tmp.iterdir()) == []
    answer = server.client.post(
        "/api/chat", json={"question": "When does Orbit restock SKU-7731?", "kb_ids": [library]}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["sources"][0]["filename"] == "orbit.txt"


def _outside(root: Path) -> set[str]:
    return {p.name for p in root.iterdir()} - {"tmp"}


def _multipart(parts: list[tuple[bytes, bytes]], field: bytes = b"files") -> tuple[bytes, str]:
    """A multipart body written byte by byte, so that names reach the server unchanged."""
    boundary = b"wowragBoundary7MA4YWxkTrZu0gW"
    body = io.BytesIO()
    for filename, data in parts:
        body.write(b"--" + boundary + b"\r\n")
        body.write(
            b'Content-Disposition: form-data; name="' + field + b'"; filename="' + filename + b'"'
        )
        body.write(b"\r\nContent-Type: application/octet-stream\r\n\r\n" + data + b"\r\n")
    body.write(b"--" + boundary + b"--\r\n")
    return body.getvalue(), f"multipart/form-data; boundary={boundary.decode()}"


def _post(server: HostileServer, kb: str, parts: list[tuple[bytes, bytes]]) -> httpx.Response:
    body, content_type = _multipart(parts)
    return server.client.post(
        f"/api/kbs/{kb}/documents", content=body, headers={"Content-Type": content_type}
    )


def _failed_with_reason(server: HostileServer, kb: str, timeout: float = 90) -> list[dict]:
    docs = wait_documents(server.client, kb, timeout=timeout)
    for doc in docs:
        assert doc["status"] == "failed", doc
        assert doc["error"] and len(doc["error"]) > 10 and "Traceback" not in doc["error"], doc
    return docs


HOSTILE_NAMES = [
    b"../../etc/passwd",
    b"..\\..\\win.ini",
    b"/etc/cron.d/evil.txt",
    b"C:\\Windows\\System32\\drivers\\etc\\hosts.txt",
    b"evil\x00.txt",
    b"CON.txt",
    b"aux",
    b"x" * 300 + b".txt",
    b"<script>alert(1)</script>.txt",
    b"\xe2\x80\xaeexe.txt",
    b"..",
    b"",
]


def test_hostile_names_are_sanitised_and_stored_under_generated_names(server, kb):
    parts = [(name, f"Note {i} about pallets.".encode()) for i, name in enumerate(HOSTILE_NAMES)]
    answer = _post(server, kb, parts)
    assert answer.status_code == 202, answer.text
    names = [d["filename"] for d in answer.json()]
    assert len(names) == len(HOSTILE_NAMES)
    for name in names:
        assert name and len(name) <= 180
        assert not set(name) & set('/\\\x00<>:"|?*'), name
        assert not name.startswith("."), name
        assert name.split(".")[0].upper() not in {"CON", "AUX", "NUL", "PRN"}, name
    assert names[0] == "passwd" and names[1] == "win.ini"
    for doc in wait_documents(server.client, kb):
        # An unsupported extension (.ini) fails with a reason; a name without an extension
        # (passwd, aux, ..) is read as what its bytes are: here, text.
        expected = "failed" if doc["filename"].endswith(".ini") else "ready"
        assert doc["status"] == expected, doc
        assert doc["status"] == "ready" or doc["error"], doc
    stored = [p.name for p in (server.data_dir / "uploads").iterdir()]
    assert stored and all(GENERATED.match(n) for n in stored), stored


def test_oversize_with_content_length_is_413_before_the_body(server, kb):
    uploads = server.data_dir / "uploads"
    before = set(uploads.iterdir())
    big = b"a" * (3 << 20)
    error_of(_post(server, kb, [(b"big.txt", big)]), 413, "too_large")
    # A first file that fits does not stay behind when the second one is too large.
    error_of(_post(server, kb, [(b"ok.txt", b"fine"), (b"big.txt", big)]), 413, "too_large")
    assert set(uploads.iterdir()) == before
    assert server.client.get(f"/api/kbs/{kb}/documents").json() == []


def test_oversize_chunked_is_413(server, kb):
    uploads = server.data_dir / "uploads"
    before = set(uploads.iterdir())
    body, content_type = _multipart([(b"big.txt", b"b" * (3 << 20))])

    def chunks() -> Iterator[bytes]:  # no Content-Length: Transfer-Encoding: chunked
        for start in range(0, len(body), 64 << 10):
            yield body[start : start + (64 << 10)]

    answer = server.client.post(
        f"/api/kbs/{kb}/documents", content=chunks(), headers={"Content-Type": content_type}
    )
    assert "content-length" not in answer.request.headers
    error_of(answer, 413, "too_large")
    assert set(uploads.iterdir()) == before
    # A file just under the limit still goes through (and fails fast: nothing to embed).
    ok = _post(server, kb, [(b"fits.bin", b"\x00" * ((1 << 20) - 1000))])
    assert ok.status_code == 202, ok.text
    assert ok.json()[0]["size"] == (1 << 20) - 1000


def test_malformed_multipart_is_a_clear_error(server, kb):
    path = f"/api/kbs/{kb}/documents"
    headers = {"Content-Type": "multipart/form-data; boundary=abc"}
    error_of(server.client.post(path, content=b"--abc\r\nnonsense", headers=headers), 422)
    error_of(server.client.post(path, content=b"", headers=headers), 422)
    error_of(server.client.post(path, content=b"x", headers={"Content-Type": "text/plain"}), 422)
    error_of(
        server.client.post(
            path, content=b"x", headers={"Content-Type": "multipart/form-data; boundary="}
        ),
        422,
    )
    body, content_type = _multipart([(b"a.txt", b"x")], field=b"other")
    error_of(
        server.client.post(path, content=body, headers={"Content-Type": content_type}),
        422,
        "no_files",
    )


def _pdf(objects: list[bytes]) -> bytes:
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def pdf_stream_bomb(megabytes: int = 1000) -> bytes:
    """One page whose content stream inflates from about 1 MB to ``megabytes``."""
    packed = zlib.compressobj(9)
    data = b"".join(packed.compress(b" " * (1 << 20)) for _ in range(megabytes))
    data += packed.flush()
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
        ]
    )


def pdf_slow_stream(megabytes: int = 60) -> bytes:
    """One page of millions of text operators: parsing it takes seconds, not memory."""
    operator = b"BT /F1 12 Tf 72 720 Td (pallet) Tj ET\n"
    block = operator * ((1 << 20) // len(operator))
    packed = zlib.compressobj(9)
    data = b"".join(packed.compress(block) for _ in range(megabytes)) + packed.flush()
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 "
            b"/BaseFont /Helvetica >> >> >> >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
        ]
    )


def pdf_page_bomb(pages: int = 4000) -> bytes:
    """Thousands of pages that all show the same (textless) content stream: parsing all of
    them costs, but there is nothing to embed."""
    kids = b" ".join(b"%d 0 R" % (4 + i) for i in range(pages))
    text = b"0 0 m 10 10 l S"
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> "
        b">> >> >>"
    )
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
            b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
            *[page] * pages,
        ]
    )


def billion_laughs_html() -> bytes:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return (
        f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY l0 "lol">{entities}]>'
        "<html><body><p>&l9;</p></body></html>"
    ).encode()


BOMBS = {
    "slow.pdf": pdf_slow_stream(),
    "zip_bomb.docx": corpus_files.zip_bomb_docx(300),
    "billion_laughs.docx": corpus_files.billion_laughs_docx(),
    "stream_bomb.pdf": pdf_stream_bomb(),
    "program.pdf": b"\x7fELF\x02\x01\x01\x00" + bytes(4000),
    "program.exe": b"MZ\x90\x00\x03\x00\x00\x00" + bytes(4000),
    "image.txt": b"\x89PNG\r\n\x1a\n" + bytes(2000),
    "deep.json": b"[" * 200_000 + b"]" * 200_000,
}


def test_bombs_and_lying_files_fail_with_a_reason_while_chat_answers(server, kb):
    for name, data in BOMBS.items():
        assert len(data) < 1 << 20, name
        answer = _post(server, kb, [(name.encode(), data)])
        assert answer.status_code == 202, answer.text
    # While the reader chews on the slow file, chat and listing stay quick.
    for _ in range(5):
        started = time.monotonic()
        assert server.client.get("/api/health").status_code == 200
        assert server.client.post("/api/chat", json={"question": "pallet?"}).status_code == 200
        assert server.client.get(f"/api/kbs/{kb}/documents").status_code == 200
        assert time.monotonic() - started < 3
        time.sleep(0.3)
    docs = {d["filename"]: d for d in _failed_with_reason(server, kb, timeout=150)}
    assert set(docs) == set(BOMBS)
    assert "program" in docs["program.pdf"]["error"] or "PDF" in docs["program.pdf"]["error"]


def test_nested_and_laughing_markup_is_harmless(server, kb):
    files = {
        "deep.html": b"<div>" * 30_000 + b"pallet" + b"</div>" * 30_000,
        "laughs.html": billion_laughs_html(),
        "quotes.md": b"> " * 20_000 + b"pallet",
        "pages.pdf": pdf_page_bomb(2000),
    }
    for name, data in files.items():
        assert len(data) < 1 << 20, name
        assert _post(server, kb, [(name.encode(), data)]).status_code == 202
    docs = wait_documents(server.client, kb, timeout=150)
    for doc in docs:
        assert doc["status"] in ("ready", "failed"), doc
        if doc["status"] == "failed":
            assert doc["error"] and "Traceback" not in doc["error"], doc
    for chunk in server.client.post("/api/chat", json={"question": "lol", "kb_ids": [kb]}).json()[
        "sources"
    ]:
        assert "lollollol" not in chunk["text"]


def test_a_docx_named_pdf_is_read_by_its_content(server, kb):
    assert _post(server, kb, [(b"handbook.pdf", corpus_files.docx_bytes())]).status_code == 202
    [doc] = wait_documents(server.client, kb)
    assert doc["status"] == "ready", doc
