"""A scanned PDF and a screenshot through the real app: imported by OCR in the isolated
reader, then a question about their text is answered (extractive, no model) citing the
page the text was on."""

from __future__ import annotations

from tests.conftest import wait_documents
from tests.rag.ocr_images import page_image, png, scanned_pdf
from tests.rag.test_ocr import EN_PUMP, EN_VISITORS, ZH_IRRIGATION, ZH_KEYS, screenshot


def ask(client, kb_id: str, question: str) -> dict:
    answer = client.post("/api/chat", json={"question": question, "kb_ids": [kb_id]})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_scanned_pdf_and_screenshot_become_ready_and_answer_with_the_right_page(client):
    kb = client.post("/api/kbs", json={"name": "扫描件"}).json()["id"]
    scan = scanned_pdf([page_image([ZH_IRRIGATION, EN_PUMP]), page_image([ZH_KEYS, EN_VISITORS])])
    shot = png(
        screenshot(
            ["服务器的备份在每天凌晨两点自动开始。", "The backup archive is kept for forty days."]
        )
    )
    files = [
        ("files", ("scan.pdf", scan, "application/pdf")),
        ("files", ("shot.png", shot, "image/png")),
    ]
    assert client.post(f"/api/kbs/{kb}/documents", files=files).status_code == 202
    docs = {d["filename"]: d for d in wait_documents(client, kb, timeout=600)}
    assert {name: d["status"] for name, d in docs.items()} == {
        "scan.pdf": "ready",
        "shot.png": "ready",
    }, docs
    assert docs["scan.pdf"]["pages"] == 2

    keys = ask(client, kb, "仓库的钥匙由谁保管？")
    top = keys["sources"][0]
    assert (top["filename"], top["page"]) == ("scan.pdf", 2), keys["sources"]
    assert "会计保管" in keys["answer"]

    visitors = ask(
        client, kb, "Where must visitors register before entering the seed storage hall?"
    )
    top = visitors["sources"][0]
    assert (top["filename"], top["page"]) == ("scan.pdf", 2), visitors["sources"]
    assert "blue gate office" in visitors["answer"]

    pump = ask(client, kb, "水稻田每周灌溉几次？")
    assert (pump["sources"][0]["filename"], pump["sources"][0]["page"]) == ("scan.pdf", 1)

    backup = ask(client, kb, "How long is the backup archive kept?")
    assert backup["sources"][0]["filename"] == "shot.png", backup["sources"]
    assert "forty days" in backup["answer"]
