"""The documents of the README screenshots, written into a folder (see scripts/screens.mjs).

A realistic small library, Chinese first: course notes in Markdown, a product manual as a
PDF (reportlab, its font embedded so any viewer draws it), an employee handbook as DOCX,
and a spare-parts list as CSV. Usage: python scripts/screens_corpus.py OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

NOTES = """# 操作系统课程笔记

第三周整理，配合教材第 2～4 章阅读。考试范围以本笔记为准。

## 进程与线程

进程是资源分配的基本单位，线程是 CPU 调度的基本单位。同一进程内的线程共享地址空间和打开的文件，
但各自拥有独立的栈和寄存器上下文。

- 创建进程的开销远大于创建线程
- 线程切换不需要切换页表
- 一个线程崩溃可能导致整个进程退出

## 调度算法

### 时间片轮转

时间片轮转（Round Robin）调度把 CPU 时间分成固定长度的时间片，就绪队列中的进程依次运行一个时间片。
时间片过长会退化为先来先服务，过短则上下文切换开销过大，通常取 10～100 毫秒。

### 多级反馈队列

新进程进入最高优先级队列；用完时间片仍未结束的进程降到下一级队列，低优先级队列的时间片更长。
这样既照顾了交互式短作业，又不会让长作业饿死。

| 算法 | 是否抢占 | 适用场景 |
|---|---|---|
| 先来先服务 | 否 | 批处理 |
| 短作业优先 | 可选 | 平均等待时间最短 |
| 时间片轮转 | 是 | 分时系统 |

## 死锁

产生死锁的四个必要条件：互斥、占有并等待、不可抢占、循环等待。破坏其中任意一个条件即可预防死锁。
银行家算法在分配资源前检查系统是否仍处于安全状态。

```c
while (!safe_state(request)) {
    wait(&resource_cv);
}
```

## 内存管理

分页把逻辑地址空间划分为固定大小的页，页表记录页号到物理帧号的映射。
快表（TLB）缓存最近使用的页表项，命中时无需访问内存中的页表。
"""

MANUAL = [
    (
        "Nimbus H2 Water Purifier",
        [
            "User manual, model NH2-400. Read this manual before installing the purifier "
            "and keep it for future reference.",
            "The Nimbus H2 is a four-stage under-sink purifier: a sediment pre-filter, an "
            "activated carbon block, a reverse osmosis membrane and a remineralising "
            "post-filter. It delivers up to 400 gallons of purified water per day.",
        ],
    ),
    (
        "Installation",
        [
            "Connect the feed adapter to the cold water line only. The inlet water "
            "pressure must be between 15 and 100 psi; above 100 psi, fit the pressure "
            "reducing valve supplied in the box.",
            "Flush the new filters for 10 minutes before the first use. The first "
            "two tanks of water should be discarded.",
        ],
    ),
    (
        "Filter replacement",
        [
            "Replace the sediment pre-filter and the carbon block every 6 months. "
            "Replace the reverse osmosis membrane every 24 months, or sooner when the "
            "filter indicator turns red.",
            "To replace a filter, close the feed valve, turn the housing a quarter turn "
            "anticlockwise and pull it straight down. Hold the reset button for 5 seconds "
            "after fitting the new filter.",
        ],
    ),
    (
        "Troubleshooting",
        [
            "Low water flow usually means a clogged pre-filter or low inlet pressure. "
            "A constant dripping sound from the drain line is normal while the tank fills.",
            "If the indicator blinks amber, the leak sensor has detected water under the "
            "sink: close the feed valve and call service.",
        ],
    ),
]

# "#" marks a heading of that level (0: the title), anything else is a paragraph.
HANDBOOK = """\
 员工手册
# 第一章 考勤与休假
公司实行弹性工作制，核心工作时间为上午十点至下午四点。\
员工入职满一年后享有带薪年假十天，满五年后为十五天。
病假需在当天上午十点前告知直属主管，连续病假超过两天须提供医院证明。
# 第二章 差旅报销
国内出差住宿标准为一线城市每晚不超过六百元，其他城市每晚不超过四百元。\
报销须在出差结束后三十天内提交。
## Travel policy for international trips
International trips need the approval of a department head two weeks in advance. \
Economy class is the standard for flights under eight hours.
"""

PARTS = """part_no,name,fits,price_usd
NH2-PF1,Sediment pre-filter,NH2-400,12.90
NH2-CB2,Carbon block filter,NH2-400,19.50
NH2-RO3,Reverse osmosis membrane,NH2-400,64.00
NH2-MN4,Remineralising post-filter,NH2-400,22.00
"""


def write_pdf(path: Path) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    styles = getSampleStyleSheet()
    body, head = styles["BodyText"], styles["Heading1"]
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if font.exists():  # embedded, so that every viewer draws the same glyphs
        pdfmetrics.registerFont(TTFont("DejaVuSans", str(font)))
        body.fontName = head.fontName = "DejaVuSans"
    body.fontSize, body.leading = 11, 16
    story: list = []
    for number, (title, paragraphs) in enumerate(MANUAL):
        if number:
            story.append(PageBreak())
        story.append(Paragraph(title, head))
        for text in paragraphs:
            story += [Paragraph(text, body), Spacer(1, 8)]
    SimpleDocTemplate(str(path), pagesize=A4, title="Nimbus H2 user manual").build(story)


def write_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = "员工手册 2026"
    for line in HANDBOOK.splitlines():
        marks = len(line) - len(line.lstrip("# "))
        if line.startswith((" ", "#")):
            document.add_heading(line.strip("# "), level=line.count("#", 0, marks))
        else:
            document.add_paragraph(line)
    document.save(str(path))


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "操作系统课程笔记.md").write_text(NOTES, encoding="utf-8")
    write_pdf(out / "Nimbus-H2-user-manual.pdf")
    write_docx(out / "员工手册-2026.docx")
    (out / "spare-parts.csv").write_text(PARTS, encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
