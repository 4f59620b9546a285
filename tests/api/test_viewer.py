"""Opening a source: the stored original (`.../file`) and its text by page (`.../text`)."""

from __future__ import annotations

from pathlib import Path

from backend.services.viewer import media_type, named_copy_in
from tests.conftest import wait_documents
from tests.corpus_files import pdf_bytes


def _kb_with(client, name: str, data: bytes) -> tuple[str, str]:
    kb = client.post("/api/kbs", json={"name": "viewer"}).json()
    doc = client.post(f"/api/kbs/{kb['id']}/documents", files={"files": (name, data)}).json()[0]
    wait_documents(client, kb["id"])
    return kb["id"], doc["id"]


def _error(answer, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["code"] == code


def test_pdf_original_is_served_with_its_type_and_name(client):
    data = pdf_bytes([["第一页 page one"], ["第二页 page two"]])
    kb_id, doc_id = _kb_with(client, "规格 spec.pdf", data)
    answer = client.get(f"/api/kbs/{kb_id}/documents/{doc_id}/file")
    assert answer.status_code == 200
    assert answer.content == data
    assert answer.headers["content-type"] == "application/pdf"
    disposition = answer.headers["content-disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=UTF-8''%E8%A7%84%E6%A0%BC%20spec.pdf" in disposition


def test_pdf_text_keeps_its_pages(client):
    data = pdf_bytes([["第一页 page one"], ["第二页 page two"]])
    kb_id, doc_id = _kb_with(client, "spec.pdf", data)
    body = client.get(f"/api/kbs/{kb_id}/documents/{doc_id}/text").json()
    assert body["format"] == "pdf"
    assert [p["page"] for p in body["pages"]] == [1, 2]
    assert "page two" in body["pages"][1]["text"]


def test_markdown_text_keeps_its_headings(client):
    source = "# 课程笔记\n\n## 第二章 进程\n\n进程是资源分配的单位\n\n- 一项\n- 两项\n"
    kb_id, doc_id = _kb_with(client, "notes.md", source.encode())
    body = client.get(f"/api/kbs/{kb_id}/documents/{doc_id}/text").json()
    assert body["format"] == "markdown"
    assert "## 第二章 进程" in body["pages"][0]["text"]


def test_html_original_never_runs_in_the_app_origin(client):
    page = b"<html><body><h1>Manual</h1><script>alert(1)</script><p>Hello there.</p></body></html>"
    kb_id, doc_id = _kb_with(client, "manual.html", page)
    answer = client.get(f"/api/kbs/{kb_id}/documents/{doc_id}/file")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_filename_with_quotes_and_newlines_cannot_split_the_header(client):
    kb_id, doc_id = _kb_with(client, 'a"b\r\nX-Evil: 1.txt', b"plain words here")
    answer = client.get(f"/api/kbs/{kb_id}/documents/{doc_id}/file")
    assert answer.status_code == 200
    assert "x-evil" not in answer.headers
    assert '"b' not in answer.headers["content-disposition"].split(";")[1]


def test_document_of_another_kb_is_not_found(client):
    kb_id, doc_id = _kb_with(client, "a.txt", b"some plain text for the viewer")
    other = client.post("/api/kbs", json={"name": "other"}).json()
    _error(client.get(f"/api/kbs/{other['id']}/documents/{doc_id}/file"), 404, "document_not_found")
    _error(client.get(f"/api/kbs/{kb_id}/documents/nope/text"), 404, "document_not_found")


def test_traversal_in_a_stored_name_is_refused(client, container):
    kb_id, doc_id = _kb_with(client, "a.txt", b"some plain text for the viewer")
    container.doc_repo.update(doc_id, stored_name="../wowrag.sqlite3")
    _error(client.get(f"/api/kbs/{kb_id}/documents/{doc_id}/file"), 404, "file_missing")


def test_missing_stored_file_is_a_clear_error(client, container):
    kb_id, doc_id = _kb_with(client, "a.txt", b"some plain text for the viewer")
    doc = container.doc_repo.get(doc_id)
    (container.paths.uploads / doc.stored_name).unlink()
    _error(client.get(f"/api/kbs/{kb_id}/documents/{doc_id}/text"), 404, "file_missing")


def test_routes_need_the_token(client):
    kb_id, doc_id = _kb_with(client, "a.txt", b"some plain text for the viewer")
    answer = client.get(
        f"/api/kbs/{kb_id}/documents/{doc_id}/file", headers={"Authorization": "Bearer wrong"}
    )
    assert answer.status_code == 401


def test_desktop_open_gets_a_copy_under_the_real_name(client, container):
    kb_id, doc_id = _kb_with(client, "手册 manual.txt", b"some plain text for the viewer")
    path = named_copy_in(container.paths.root, kb_id, doc_id)
    assert path is not None and path.name == "手册 manual.txt"
    assert path.read_bytes() == b"some plain text for the viewer"
    assert named_copy_in(container.paths.root, kb_id, "nope") is None
    assert named_copy_in(Path("/nonexistent"), kb_id, doc_id) is None


def test_desktop_bridge_opens_the_named_copy(client, container, monkeypatch):
    from backend.desktop import bridge

    kb_id, doc_id = _kb_with(client, "report.txt", b"some plain text for the viewer")
    opened: list[Path] = []
    monkeypatch.setattr(bridge, "open_path", lambda path: opened.append(path) or True)
    api = bridge.DesktopApi(container.paths.root)
    assert api.open_document(kb_id, doc_id) is True
    assert [p.name for p in opened] == ["report.txt"]
    assert api.open_document(kb_id, "nope") is False


def test_active_types_are_served_as_text():
    for name in ("x.html", "x.htm", "x.svg", "x.js", "x.xhtml"):
        assert media_type(name).startswith("text/plain"), name
    assert media_type("x.pdf") == "application/pdf"
    assert media_type("x.unknownext") == "application/octet-stream"
