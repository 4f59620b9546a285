"""A mixed Chinese/English evaluation corpus full of near-twins, written in every supported
format at test time: two companies' handbooks with different numbers, a 2024 and a 2025
report, model X2 vs X3, two libraries' loan rules. Each question names the file and the
page that answers it and a fact the answer must state."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Question:
    text: str
    filename: str
    fact: str
    page: int | None = None


def _pdf(pages: list[list[str]], chinese: bool) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    font = "Helvetica"
    if chinese:
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
        font = "STSong-Light"
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for lines in pages:
        y = 800
        pdf.setFont(font, 12)
        for line in lines:
            pdf.drawString(50, y, line)
            y -= 20
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def _docx(paragraphs: list[tuple[str, str]], table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    for style, text in paragraphs:
        if style.startswith("h"):
            document.add_heading(text, level=int(style[1]))
        else:
            document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _pptx(slides: list[tuple[str, list[str]]]) -> bytes:
    from pptx import Presentation

    deck = Presentation()
    for title, bullets in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = bullets[0]
        for bullet in bullets[1:]:
            body.add_paragraph().text = bullet
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def _xlsx(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Prices"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def documents() -> dict[str, bytes]:
    """File name -> bytes."""
    files: dict[str, bytes] = {}
    files["acme_employee_handbook.docx"] = _docx(
        [
            ("h1", "Acme 公司员工手册"),
            ("h2", "年假"),
            ("p", "Acme 公司员工每年享有带薪年假15天，入职满一年后开始计算。"),
            ("h2", "试用期"),
            ("p", "Acme 新员工的试用期为3个月，试用期工资为正式工资的90%。"),
            ("h2", "报销"),
            ("p", "Acme 差旅费用须在出差结束后30天内提交报销。"),
            ("h2", "远程办公"),
            ("p", "Acme 员工每周最多可以远程办公2天，需提前一天告知主管。"),
        ]
    )
    files["globex_employee_handbook.pdf"] = _pdf(
        [
            [
                "Globex 公司员工手册",
                "第一章 年假",
                "Globex 公司员工每年享有带薪年假12天。",
                "年假须在当年内休完，不可顺延。",
            ],
            [
                "第二章 试用期",
                "Globex 新员工的试用期为6个月。",
                "第三章 报销",
                "Globex 差旅费用须在出差结束后60天内提交报销。",
            ],
            ["第四章 远程办公", "Globex 员工每周最多可以远程办公3天。"],
        ],
        chinese=True,
    )
    files["annual_report_2024.pdf"] = _pdf(
        [
            [
                "Northwind Annual Report 2024",
                "Letter from the CEO.",
                "In 2024 Northwind revenue reached 12.4 million dollars.",
                "The company employed 230 people at the end of 2024.",
            ],
            ["Offices", "In 2024 Northwind opened a new office in Berlin."],
            ["Outlook", "For 2024 the board approved a dividend of 0.8 dollars per share."],
        ],
        chinese=False,
    )
    files["annual_report_2025.docx"] = _docx(
        [
            ("h1", "Northwind Annual Report 2025"),
            ("p", "In 2025 Northwind revenue reached 15.1 million dollars."),
            ("p", "The company employed 310 people at the end of 2025."),
            ("h2", "Offices"),
            ("p", "In 2025 Northwind opened a new office in Tokyo."),
            ("h2", "Outlook"),
            ("p", "For 2025 the board approved a dividend of 1.1 dollars per share."),
        ]
    )
    files["x2_user_manual.md"] = (
        b"# Model X2 User Manual\n\n## Battery\nThe X2 has a 4000 mAh battery.\n\n"
        b"## Charging\nThe X2 supports 65 W fast charging.\n\n## Weight\nThe X2 weighs 180 g.\n\n"
        b"## Errors\nError code E201 on the X2 means the charger is not supported.\n"
    )
    files["x3_user_manual.html"] = (
        "<html><head><title>X3 型号说明书</title><style>body{color:red}</style>"
        "<script>var tracking = 'should never be indexed';</script></head><body>"
        "<nav>首页 | 产品 | 支持</nav><main><h1>X3 型号说明书</h1>"
        "<h2>电池</h2><p>X3 配备 5000 mAh 电池。</p>"
        "<h2>充电</h2><p>X3 支持 120 W 快速充电。</p>"
        "<h2>重量</h2><p>X3 的重量为 195 克。</p>"
        "<h2>错误码</h2><p>X3 出现错误码 E301 表示电池温度过高。</p></main>"
        "<footer>版权所有</footer></body></html>"
    ).encode()
    files["city_library_rules.txt"] = (
        b"City Library lending rules\n\nBooks can be borrowed for 21 days. "
        b"A loan can be renewed twice online, as long as nobody has reserved the book. "
        b"Late returns cost 0.50 dollars per day.\n"
    )
    files["大学图书馆借阅规定.txt"] = (
        "大学图书馆借阅规定\n\n本科生每次最多借阅10本书，借期为30天。"
        "图书到期前可以续借一次，续借期为15天。逾期每天罚款0.2元。\n"
    ).encode("gb18030")
    files["price_list.xlsx"] = _xlsx(
        [
            ["Product", "Price", "Stock"],
            ["Orbit Kettle", 39.9, 120],
            ["Nebula Lamp", 24.5, 60],
            ["Comet Fan", 58.0, 15],
        ]
    )
    files["deploy_cli_reference.md"] = (
        b"# deploy CLI reference\n\n## Flags\nUse `--force-rebuild` to rebuild every image "
        b"from scratch, ignoring the layer cache.\n\nUse `--dry-run` to print the plan "
        b"without changing anything.\n\n## Errors\nERR_QUOTA_EXCEEDED means the project has "
        b"used all of its build minutes for the month.\n"
    )
    files["server_config.json"] = json.dumps(
        {
            "server": {"port": 8443, "tls": True},
            "storage": {"retention_days": 90, "region": "eu-west"},
        }
    ).encode()
    files["q3_plan.pptx"] = _pptx(
        [
            (
                "Q3 launch plan",
                [
                    "The Aurora app launches on 15 September.",
                    "Marketing budget for the launch is 200k dollars.",
                ],
            ),
            ("第三季度目标", ["第三季度的用户增长目标是五万人。"]),
        ]
    )
    files["offices.csv"] = (
        b"city,address,phone\nShanghai,88 Century Avenue,021-5555-0101\n"
        b"Munich,12 Leopoldstrasse,089-5555-0202\n"
    )
    return files


QUESTIONS: list[Question] = [
    Question("Acme 公司的年假有几天？", "acme_employee_handbook.docx", "15天"),
    Question("Globex 员工每年有多少天带薪年假？", "globex_employee_handbook.pdf", "12天", 1),
    Question("Acme 新员工试用期多长？", "acme_employee_handbook.docx", "3个月"),
    Question("Globex 的试用期是几个月？", "globex_employee_handbook.pdf", "6个月", 2),
    Question("Acme 差旅报销要在多少天内提交？", "acme_employee_handbook.docx", "30天"),
    Question("Globex 的报销期限是多少天？", "globex_employee_handbook.pdf", "60天", 2),
    Question("Globex 员工每周可以远程办公几天？", "globex_employee_handbook.pdf", "3天", 3),
    Question(
        "How many days per week can Acme employees work remotely?",
        "acme_employee_handbook.docx",
        "2天",
    ),
    Question("What was Northwind's revenue in 2024?", "annual_report_2024.pdf", "12.4", 1),
    Question("What was Northwind's revenue in 2025?", "annual_report_2025.docx", "15.1"),
    Question(
        "How many people did Northwind employ at the end of 2025?", "annual_report_2025.docx", "310"
    ),
    Question("How many employees did Northwind have in 2024?", "annual_report_2024.pdf", "230", 1),
    Question(
        "Where did Northwind open a new office in 2024?", "annual_report_2024.pdf", "Berlin", 2
    ),
    Question("Which city got a new Northwind office in 2025?", "annual_report_2025.docx", "Tokyo"),
    Question("What dividend did the board approve for 2025?", "annual_report_2025.docx", "1.1"),
    Question("2024年的股息是多少？", "annual_report_2024.pdf", "0.8", 3),
    Question("How big is the X2 battery?", "x2_user_manual.md", "4000"),
    Question("X3 的电池容量是多少？", "x3_user_manual.html", "5000"),
    Question("What charging power does the X3 support?", "x3_user_manual.html", "120"),
    Question("X2 支持多少瓦快充？", "x2_user_manual.md", "65"),
    Question("How much does the X3 weigh?", "x3_user_manual.html", "195"),
    Question("What does error E201 mean?", "x2_user_manual.md", "charger"),
    Question("错误码 E301 是什么意思？", "x3_user_manual.html", "温度过高"),
    Question(
        "How long can I borrow a book from the City Library?", "city_library_rules.txt", "21 days"
    ),
    Question("大学图书馆的借期是多少天？", "大学图书馆借阅规定.txt", "30天"),
    Question("本科生最多能借几本书？", "大学图书馆借阅规定.txt", "10本"),
    Question("What is the late fee at the City Library?", "city_library_rules.txt", "0.50"),
    Question("How much does the Orbit Kettle cost?", "price_list.xlsx", "39.9"),
    Question("How many Comet Fans are in stock?", "price_list.xlsx", "15"),
    Question("What does --force-rebuild do?", "deploy_cli_reference.md", "layer cache"),
    Question("ERR_QUOTA_EXCEEDED", "deploy_cli_reference.md", "build minutes"),
    Question(
        "Which flag prints the plan without changing anything?",
        "deploy_cli_reference.md",
        "--dry-run",
    ),
    Question("What port does the server listen on?", "server_config.json", "8443"),
    Question("数据保留多少天？", "server_config.json", "90"),
    Question("When does the Aurora app launch?", "q3_plan.pptx", "15 September", 1),
    Question("第三季度用户增长目标是多少？", "q3_plan.pptx", "五万", 2),
    Question("What is the phone number of the Munich office?", "offices.csv", "089-5555-0202"),
    Question("上海办公室的地址是什么？", "offices.csv", "88 Century Avenue"),
    Question("What is the marketing budget for the Aurora launch?", "q3_plan.pptx", "200k", 1),
    Question("Can I renew a City Library loan online?", "city_library_rules.txt", "twice"),
]


def write(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in documents().items():
        path = folder / name
        path.write_bytes(data)
        paths.append(path)
    return paths
