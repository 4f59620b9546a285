"""Document readers: every format with Chinese and English, and hostile files refused."""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from backend.rag.readers import (
    SUPPORTED_EXTENSIONS,
    ParsedDocument,
    ReaderError,
    detect_kind,
    read_document,
    read_document_isolated,
)
from backend.rag.readers import rows as rows_module
from backend.rag.readers.isolation import run_isolated
from backend.rag.readers.pdf import clean_pdf_text
from tests.corpus_files import (
    EN_POLICY,
    ZH_POLICY,
    billion_laughs_docx,
    docx_bytes,
    pdf_bytes,
    pptx_bytes,
    xlsx_bytes,
    zip_bomb_docx,
)

ZH_LONG = (
    "员工每年享有带薪年假十五天，需提前一周向直属主管提交申请。病假需提供医院证明，事假不带薪。" * 3
)
TW_LONG = (
    "員工每年享有帶薪年假十五天，需提前一週向直屬主管提交申請。病假需提供醫院證明，事假不帶薪。" * 3
)


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not an Office document")
    return buffer.getvalue()


def reader_error(data: bytes, filename: str) -> ReaderError:
    with pytest.raises(ReaderError) as caught:
        read_document(data, filename)
    return caught.value


# --- PDF -------------------------------------------------------------------------------


def test_pdf_keeps_page_numbers_and_chinese_text() -> None:
    pages = [[f"第{n}页 {ZH_POLICY}", f"Page {n}: {EN_POLICY}"] for n in (1, 2, 3)]
    document = read_document(pdf_bytes(pages, title="员工手册"), "handbook.pdf")
    assert [page.page for page in document.pages] == [1, 2, 3]
    assert document.title == "员工手册"
    for number, page in enumerate(document.pages, start=1):
        assert f"第{number}页" in page.text
        assert ZH_POLICY in page.text
        assert f"Page {number}: {EN_POLICY}" in page.text


def test_pdf_with_user_password_is_pdf_encrypted() -> None:
    error = reader_error(pdf_bytes([["secret 机密"]], user_password="pw"), "locked.pdf")
    assert error.code == "pdf_encrypted"
    assert "password" in str(error)


def test_pdf_with_only_an_owner_password_is_read() -> None:
    document = read_document(pdf_bytes([["可以打开 opens"]], user_password=""), "owner.pdf")
    assert document.pages[0].text == "可以打开 opens"


def test_pdf_without_text_layer_is_no_text() -> None:
    error = reader_error(pdf_bytes([[]]), "scan.pdf")
    assert error.code == "no_text"
    assert "OCR" in error.message


def test_clean_pdf_text_joins_wrapped_lines_and_drops_spaces_between_chinese() -> None:
    raw = (
        "第一章 总则\n"
        "员 工 每 年 享 有 带 薪 年 假 十 五 天 ， 需 提 前 一 周 向 直 属 主 管\n"
        "提交申请。\n"
        "The policy applies to every employee of the com-\n"
        "pany, in every office.\n"
        "Short line."
    )
    assert clean_pdf_text(raw).splitlines() == [
        "第一章总则",
        "员工每年享有带薪年假十五天，需提前一周向直属主管提交申请。",
        "The policy applies to every employee of the company, in every office.",
        "Short line.",
    ]


# --- plain text and encodings ----------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("utf-8", "年假 leave"),
        ("utf-8", ZH_LONG),
        ("utf-8-sig", "年假"),
        ("utf-8-sig", ZH_LONG),
        ("utf-16", "年假 leave"),
        ("utf-16", ZH_LONG),
        ("utf-16-be", "\ufeff年假"),
        ("gbk", "年假"),
        ("gbk", "请假制度"),
        ("gbk", ZH_LONG),
        ("gb18030", "数据"),
        ("gb18030", ZH_LONG + "𠀀"),
        ("gbk", TW_LONG),  # traditional characters can be written in GBK too
        ("big5", "資料"),
        ("big5", "臺灣"),
        ("big5", "請假制度"),
        ("big5", TW_LONG),
    ],
)
def test_txt_encodings_are_detected(encoding: str, text: str) -> None:
    document = read_document(text.encode(encoding), "notes.txt")
    assert document.pages[0].page is None
    assert document.pages[0].text == text.lstrip("\ufeff")


def test_txt_normalises_newlines_and_strips_nuls() -> None:
    document = read_document("第一行\r\n第二行\rthird\x00 line\n\n\n\n\nend".encode(), "a.txt")
    assert document.pages[0].text == "第一行\n第二行\nthird line\n\nend"


def test_markdown_keeps_headings_and_takes_the_first_h1_as_title() -> None:
    source = "```\n# not a heading\n```\n\n# 员工手册 Handbook\n\n## 年假\n\n" + ZH_POLICY
    document = read_document(source.encode(), "handbook.markdown")
    assert document.title == "员工手册 Handbook"
    assert "## 年假\n\n" + ZH_POLICY in document.pages[0].text


def test_markdown_front_matter_is_metadata_not_a_heading() -> None:
    source = '---\ntitle: "传输层笔记"\ntags: [network]\n---\n端口号是16位的。\n'
    document = read_document(source.encode(), "notes.md")
    assert document.title == "传输层笔记"
    assert document.pages[0].text == "端口号是16位的。"


# --- HTML ------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html><html><head><meta charset="gbk"><title>员工手册</title>
<style>.x { color: red }</style><script>var secret = "SCRIPT";</script></head>
<body><header><nav><a href="/">首页 NAVLINK</a></nav></header>
<div><h1>休假制度</h1><p>员工每年享有
带薪年假十五天。</p><p>Employees get <b>fifteen</b> days.<br>Ask early.</p>
<ul><li>第一项</li><li>Item two</li></ul>
<table><tr><th>假期</th><th>天数</th></tr><tr><td>年假</td><td>15</td></tr></table></div>
<aside>广告 AD</aside><form>SEARCHFORM<input></form><noscript>NOSCRIPT</noscript>
<footer>版权所有 FOOTER</footer></body></html>"""


def test_html_keeps_content_structure_and_drops_page_chrome() -> None:
    document = read_document(PAGE.encode("gbk"), "page.htm")
    text = document.pages[0].text
    assert document.title == "员工手册"
    assert text.startswith("# 休假制度\n\n员工每年享有带薪年假十五天。\n\n")
    assert "Employees get fifteen days.\nAsk early." in text
    assert "- 第一项\n- Item two" in text
    assert "假期 | 天数\n年假 | 15" in text
    for dropped in ("SCRIPT", "color", "NAVLINK", "AD", "SEARCHFORM", "NOSCRIPT", "FOOTER"):
        assert dropped not in text


def test_html_prefers_main_content() -> None:
    page = "<body><div>sidebar</div><main><h2>正文</h2><p>Main text of the page.</p></main></body>"
    assert (
        read_document(page.encode(), "a.html").pages[0].text == "## 正文\n\nMain text of the page."
    )


NEWS_PAGE = """<html><body>
<div class="top-bar"><a href="/">首页</a> <a href="/n">新闻</a> <a href="/s">体育</a></div>
<div id="cookie-consent">We use cookies to improve your experience. <a>Learn more</a></div>
<div role="navigation">频道 CHANNELS</div>
<div class="wrapper"><h1>新品发布会定于三月举行</h1>
<p>公司宣布，新款手机将于2024年3月15日正式开售，售价3999元。</p>
<p>The launch event will be held in Shenzhen. Pre-orders open on March 1.</p>
<div><span>★★★★☆</span><button>RATE</button><span>已有 1,234 人 VOTED</span></div>
<div class="share-links">SHARE <a>微博</a><a>微信</a></div>
<div class="comments"><h3>COMMENTS</h3><p>写得好！</p></div>
<ul><li><a href="/1">RELATED 某某公司发布财报</a></li><li><a href="/2">股市大涨</a></li></ul>
</div><div style="display:none">HIDDEN</div><div hidden>HIDDEN</div></body></html>"""


def test_html_drops_boilerplate_blocks_and_keeps_the_article() -> None:
    text = read_document(NEWS_PAGE.encode(), "news.html").pages[0].text
    assert text == (
        "# 新品发布会定于三月举行\n\n公司宣布，新款手机将于2024年3月15日正式开售，售价3999元。"
        "\n\nThe launch event will be held in Shenzhen. Pre-orders open on March 1."
    )


def test_html_keeps_a_short_page_that_has_a_button() -> None:
    page = "<body><div><h2>请假</h2><p>年假十五天。</p><button>打印</button></div></body>"
    assert "年假十五天。" in read_document(page.encode(), "a.html").pages[0].text


def test_html_code_blocks_keep_their_indentation_and_hash_lines_are_not_headings() -> None:
    page = "<h2>Setup</h2><pre>\n# install it\ndef f():\n    return strm.avail_out\n</pre>"
    text = read_document(page.encode(), "a.html").pages[0].text
    assert text == "## Setup\n\n```\n# install it\ndef f():\n    return strm.avail_out\n```"


def test_html_does_not_expand_dtd_entities() -> None:
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 9))
    page = f'<!DOCTYPE x [<!ENTITY l0 "lol">{laughs}]><p>&l8; end</p>'
    text = read_document(page.encode(), "laughs.html").pages[0].text
    assert "lollol" not in text
    assert len(text) < 100


# --- Office ----------------------------------------------------------------------------


def test_docx_keeps_headings_and_tables_in_body_order() -> None:
    document = read_document(docx_bytes(), "handbook.docx")
    assert document.title == "员工手册 Handbook"
    assert document.pages[0].page is None
    assert document.pages[0].text == (
        f"# 第一章 休假制度\n\n{ZH_POLICY}\n\n## Leave policy\n\n{EN_POLICY}\n\n"
        "假期 | 天数\n年假 | 15\nSick | 10\n\n表格之后的段落。 After the table."
    )


def test_docx_list_paragraphs_keep_an_item_marker_instead_of_running_on() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("传输层概述")
    document.add_paragraph("传输层为应用进程提供通信。", style="List Bullet")
    document.add_paragraph("端口号是16位的。", style="List Number")
    data = io.BytesIO()
    document.save(data)
    text = read_document(data.getvalue(), "notes.docx").pages[0].text
    assert text == "传输层概述\n\n- 传输层为应用进程提供通信。\n\n- 端口号是16位的。"


def test_pptx_gives_one_page_per_slide_with_titles_and_notes() -> None:
    document = read_document(pptx_bytes(), "deck.pptx")
    assert [page.page for page in document.pages] == [1, 2]
    assert document.pages[0].text == f"## 年假制度\n\n{ZH_POLICY}"
    assert document.pages[1].text == (
        f"## Leave policy\n\n{EN_POLICY}\n\nNotes: 讲者备注 speaker notes"
    )


def test_xlsx_rows_are_labelled_by_the_header_row() -> None:
    workbook = xlsx_bytes(
        {
            "员工": [["姓名", "部门", "年假"], ["张三", "研发", 15], ["Alice", "Sales", 10.0]],
            "Empty": [],
            "Numbers": [[1, 2.5], [3, 4]],
        }
    )
    text = read_document(workbook, "staff.xlsx").pages[0].text
    assert text == (
        "## Sheet: 员工\n姓名: 张三; 部门: 研发; 年假: 15\n姓名: Alice; 部门: Sales; 年假: 10"
        "\n\n## Sheet: Numbers\n1 | 2.5\n3 | 4"
    )


def test_xlsx_stops_at_the_cell_budget_with_a_note(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rows_module, "MAX_CELLS", 10)
    workbook = xlsx_bytes({"Big": [[f"r{row}c{col}" for col in range(5)] for row in range(50)]})
    text = read_document(workbook, "big.xlsx").pages[0].text
    assert "r1c0" in text
    assert "r5c0" not in text
    assert text.endswith("[Truncated: only the first 10 cells of this file were imported.]")


def test_csv_in_gbk_is_labelled_by_its_header() -> None:
    data = "姓名,部门,年假\n张三,研发,15\nAlice,Sales,10\n".encode("gbk")
    assert read_document(data, "staff.csv").pages[0].text == (
        "姓名: 张三; 部门: 研发; 年假: 15\n姓名: Alice; 部门: Sales; 年假: 10"
    )


def test_csv_with_semicolons_and_without_header() -> None:
    data = b"1;2;3\n4;5;6\n"
    assert read_document(data, "numbers.csv").pages[0].text == "1 | 2 | 3\n4 | 5 | 6"


def test_json_is_flattened_to_paths_with_chinese_kept() -> None:
    value = {"公司": {"名称": "示例", "员工": [{"name": "张三", "days": 15, "on": True}]}}
    data = json.dumps(value, ensure_ascii=False).encode()
    assert read_document(data, "org.json").pages[0].text == (
        "公司.名称: 示例\n公司.员工[0].name: 张三\n公司.员工[0].days: 15\n公司.员工[0].on: true"
    )


def test_json_lines_are_read_as_a_list() -> None:
    data = '{"q": "年假几天"}\n{"q": "sick leave"}\n'.encode()
    assert read_document(data, "faq.json").pages[0].text == "[0].q: 年假几天\n[1].q: sick leave"


@pytest.mark.parametrize("data", [b"{broken", b"[" * 100_000 + b"]" * 100_000])
def test_bad_or_too_deep_json_is_parse_failed(data: bytes) -> None:
    assert reader_error(data, "bad.json").code == "parse_failed"


# --- hostile and wrong files -----------------------------------------------------------


def test_zip_bomb_docx_is_unsafe_archive() -> None:
    error = reader_error(zip_bomb_docx(), "bomb.docx")
    assert error.code == "unsafe_archive"


def test_billion_laughs_in_docx_is_unsafe_xml() -> None:
    assert reader_error(billion_laughs_docx(), "laughs.docx").code == "unsafe_xml"


@pytest.mark.parametrize(
    ("data", "filename", "code"),
    [
        (b"\x7fELF\x02\x01\x01" + bytes(200), "report.pdf", "type_mismatch"),
        (b"MZ\x90\x00\x03" + bytes(200), "notes.txt", "type_mismatch"),
        (b"\x89PNG\r\n\x1a\n" + bytes(200), "notes.md", "type_mismatch"),
        (plain_zip(), "archive.docx", "type_mismatch"),
        (b"just some text", "fake.pdf", "type_mismatch"),
        (b"just some text", "fake.xlsx", "type_mismatch"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "old.docx", "type_mismatch"),
        (b"hello", "setup.exe", "unsupported_type"),
        (b"\x7fELF\x02\x01\x01" + bytes(200), "a-program", "unsupported_type"),
    ],
)  # fmt: skip
def test_lying_or_unsupported_files_are_refused(data: bytes, filename: str, code: str) -> None:
    error = reader_error(data, filename)
    assert error.code == code
    assert error.message.endswith(".")


@pytest.mark.parametrize(
    ("data", "filename", "kind"),
    [
        (b"Apache License\nVersion 2.0, January 2004\n", "Apache-2.0", ".txt"),
        (b"Permission is hereby granted, free of charge.", "LICENSE", ".txt"),
        (b"# Project\n\nWhat it does.\n", "README", ".md"),
        ("<!DOCTYPE html><p>页面</p>".encode(), "index", ".html"),
        ("年假十五天".encode("gbk"), "notes.2024", ".txt"),
    ],
)  # fmt: skip
def test_text_files_without_an_extension_are_read_as_text(
    data: bytes, filename: str, kind: str
) -> None:
    assert detect_kind(data, filename) == kind
    assert read_document(data, filename).pages[0].text


def test_folder_walk_keeps_extensionless_text_and_skips_extensionless_programs(
    tmp_path: Path,
) -> None:
    from backend.desktop.folders import collect_files

    (tmp_path / "LICENSE").write_text("Permission is hereby granted.", "utf-8")
    (tmp_path / "tool").write_bytes(b"\x7fELF\x02\x01\x01" + bytes(200))
    (tmp_path / "clip.gif").write_bytes(b"GIF89a" + bytes(100))  # an unsupported type
    selection = collect_files([tmp_path])
    assert [p.name for p in selection.files] == ["LICENSE"]
    assert selection.skipped == 2


def test_a_docx_named_pdf_is_read_as_what_its_bytes_are() -> None:
    assert detect_kind(docx_bytes(), "renamed.pdf") == ".docx"
    assert read_document(docx_bytes(), "renamed.pdf").title == "员工手册 Handbook"


def test_detect_kind_gives_canonical_extensions() -> None:
    assert detect_kind(b"# x", "A.MARKDOWN") == ".md"
    assert detect_kind(b"<p>x</p>", "page.HTM") == ".html"
    assert detect_kind(b"\xff\xd8\xff\xe0" + bytes(64), "scan.JPEG") == ".jpg"
    assert {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".pptx", ".xlsx",
            ".csv", ".json", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp"
            } == SUPPORTED_EXTENSIONS  # fmt: skip


@pytest.mark.parametrize("data", [b"", b" \n\t\r\n"])
def test_empty_file_is_no_text(data: bytes) -> None:
    error = reader_error(data, "empty.txt")
    assert (error.code, error.message) == ("no_text", "The file contains no readable text.")


def test_reader_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(ReaderError("parse_timeout", "Too slow.")))
    assert (error.code, error.message, str(error)) == ("parse_timeout", "Too slow.", "Too slow.")


# --- isolation -------------------------------------------------------------------------


def sleepy_reader(data_path: str, filename: str) -> ParsedDocument:
    """Test-only reader for the child process: reports its pid, then hangs."""
    Path(data_path).write_text(str(os.getpid()))
    time.sleep(60)
    raise AssertionError("should have been killed")


def greedy_reader(data_path: str, filename: str) -> ParsedDocument:
    """Test-only reader for the child process: asks for far more memory than allowed."""
    hog = bytearray(2 * 1024 * 1024 * 1024)
    raise AssertionError(f"allocated {len(hog)} bytes despite the limit")


def test_isolated_read_returns_the_document(tmp_path: Path) -> None:
    path = tmp_path / "deck.bin"
    path.write_bytes(pptx_bytes())
    document = read_document_isolated(str(path), "deck.pptx", timeout_s=30)
    assert [page.page for page in document.pages] == [1, 2]


def test_isolated_read_passes_reader_errors_through(tmp_path: Path) -> None:
    path = tmp_path / "bomb.docx"
    path.write_bytes(zip_bomb_docx())
    with pytest.raises(ReaderError) as caught:
        read_document_isolated(str(path), "bomb.docx", timeout_s=30)
    assert caught.value.code == "unsafe_archive"


def test_isolated_read_kills_a_child_past_the_timeout(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    started = time.monotonic()
    with pytest.raises(ReaderError) as caught:
        run_isolated(sleepy_reader, str(pid_file), "x.txt", timeout_s=2, memory_mb=1024)
    assert caught.value.code == "parse_timeout"
    assert time.monotonic() - started < 10
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text()), 0)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is Linux-only")
def test_isolated_read_stops_a_child_past_the_memory_limit(tmp_path: Path) -> None:
    with pytest.raises(ReaderError) as caught:
        run_isolated(greedy_reader, str(tmp_path / "x"), "x.txt", timeout_s=30, memory_mb=512)
    assert caught.value.code == "parse_memory"


def test_importing_the_readers_loads_no_parser() -> None:
    # The isolated child imports this package: it must not pull in every parser.
    probe = "import sys, backend.rag.readers; print(sorted({'pypdf', 'docx', 'pptx', "
    probe += "'openpyxl', 'bs4', 'charset_normalizer'} & set(sys.modules)))"
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
