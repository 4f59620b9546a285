"""Real documents of every supported format, generated at run time for tests.

Nothing is downloaded and no binary fixture is committed: each function returns the bytes
of a small file, with Chinese and English content unless told otherwise.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

ZH_POLICY = "员工每年享有带薪年假十五天，需提前一周申请。"
EN_POLICY = "Employees get fifteen days of paid leave per year."


def pdf_bytes(
    pages: Sequence[Sequence[str]],
    *,
    title: str | None = None,
    user_password: str | None = None,
    owner_password: str = "owner",
) -> bytes:
    """A PDF with one page per entry, each line drawn as text (Chinese in STSong-Light)."""
    from reportlab.lib import pdfencrypt
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    encrypt = None
    if user_password is not None:
        encrypt = pdfencrypt.StandardEncryption(user_password, owner_password)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=encrypt)
    if title:
        pdf.setTitle(title)
    for lines in pages:
        y = 780
        for line in lines:
            # STSong-Light also draws ASCII, so one font serves both languages.
            pdf.setFont("STSong-Light", 11)
            pdf.drawString(60, y, line)
            y -= 16
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def docx_bytes(*, title: str = "员工手册 Handbook") -> bytes:
    """A DOCX with a title, two heading levels, paragraphs and a 2x3 table."""
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.add_heading("第一章 休假制度", level=1)
    document.add_paragraph(ZH_POLICY)
    document.add_heading("Leave policy", level=2)
    document.add_paragraph(EN_POLICY)
    table = document.add_table(rows=3, cols=2)
    cells = [("假期", "天数"), ("年假", "15"), ("Sick", "10")]
    for row, (name, days) in zip(table.rows, cells, strict=True):
        row.cells[0].text, row.cells[1].text = name, days
    document.add_paragraph("表格之后的段落。 After the table.")
    return _save(document)


def pptx_bytes() -> bytes:
    """A PPTX with two titled slides; the second has speaker notes."""
    import pptx

    presentation = pptx.Presentation()
    layout = presentation.slide_layouts[1]  # title and content
    for title, body in [("年假制度", ZH_POLICY), ("Leave policy", EN_POLICY)]:
        slide = presentation.slides.add_slide(layout)
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    presentation.slides[1].notes_slide.notes_text_frame.text = "讲者备注 speaker notes"
    return _save(presentation)


def xlsx_bytes(sheets: dict[str, Sequence[Sequence[object]]]) -> bytes:
    """An XLSX with one sheet per entry, rows as given."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    return _save(workbook)


def with_member(package: bytes, name: str, content: bytes) -> bytes:
    """A copy of a zip package with ``name`` added or replaced."""
    source = zipfile.ZipFile(io.BytesIO(package))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item))
        target.writestr(name, content)
    return buffer.getvalue()


def zip_bomb_docx(megabytes: int = 50) -> bytes:
    """A valid DOCX plus a member of zeros that compresses about 1000:1."""
    return with_member(docx_bytes(), "word/media/bomb.bin", bytes(megabytes * 1024 * 1024))


def billion_laughs_docx() -> bytes:
    """A DOCX whose main part declares exponentially expanding entities."""
    entities = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<!DOCTYPE lolz [<!ENTITY lol0 "lol">{entities}]>\n'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
    )
    return with_member(docx_bytes(), "word/document.xml", document.encode())


def _save(office_document: object) -> bytes:
    buffer = io.BytesIO()
    office_document.save(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()
