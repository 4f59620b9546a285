"""What kind of thing a question asks for, and whether a sentence holds one.

Who -> a person or organisation, when -> a date or time, how many / 多少 / 几 -> a number
(with its unit), which book / 哪部作品 -> a title (《》 or quoted), where -> a place, how
(to) -> steps. The extractive answerer prefers the sentence that holds an item of the
asked kind which the question does not already contain: "When did X open?" is answered
by the sentence with a date, not by the one that repeats the question's words best.
"""

from __future__ import annotations

import re
from typing import Literal

AnswerType = Literal["person", "date", "number", "work", "place", "steps", "other"]

_ASKS: list[tuple[AnswerType, re.Pattern[str]]] = [
    (
        "date",
        re.compile(
            r"\bwhen\b|\bwhat (year|date|day|month|time|century|decade|era|period)\b|"
            r"\bwhich (year|date|day|month|century|decade)\b|\bhow long ago\b|"
            r"什么时候|何时|哪一?年|哪一?天|哪一?月|几月|几号|几点|多少年[前后]|什么时间|哪个(时期|年代|世纪)|"
            r"什么(年代|时期|日子)|哪个朝代|哪一?世纪",
            re.IGNORECASE,
        ),
    ),
    (
        "number",
        re.compile(
            r"\bhow (many|much|long|big|old|far|heavy|large|tall|high|wide|deep|fast|often)\b|"
            r"\bwhat (percentage|percent|proportion|number|amount|size|price|cost|population)\b|"
            r"多少|几[个位种次名岁年天条部本项人家座只支场届层倍]|多[久长大高重远宽深快]|百分之|比例|人口",
            re.IGNORECASE,
        ),
    ),
    (
        "work",
        re.compile(
            r"\b(what|which) (book|novel|film|movie|album|song|magazine|newspaper|poem|play|"
            r"opera|game|series|show|painting|treaty)\b|"
            r"(什么|哪[一]?[部本首张篇个幅])(著作|作品|书|小说|电影|影片|专辑|歌曲?|杂志|报纸?|诗|"
            r"剧|节目|游戏|文章|论文|画|条约)",
            re.IGNORECASE,
        ),
    ),
    (
        "person",
        re.compile(
            r"\bwho(m|se)?\b|\bwhich (person|people|company|organi[sz]ation|group|team|player)\b|"
            r"谁|哪位|哪个人|哪些人|什么人|哪家|哪个(公司|组织|机构|团队|球队|人物)|由.{0,8}(创立|建立|发明|发现)",
            re.IGNORECASE,
        ),
    ),
    (
        "place",
        re.compile(
            r"\bwhere\b|\bwhich (city|country|state|region|place|continent|island|river)\b|"
            r"\bwhat (city|country|state|region|place|continent|island|river)\b|"
            r"哪里|哪儿|在哪|何处|什么地方|哪个(国家|城市|地方|省|州|地区|岛|城)|哪座|哪国",
            re.IGNORECASE,
        ),
    ),
    (
        "steps",
        re.compile(
            r"^\s*how (do|does|can|should|to|would)\b|\bhow to\b|如何|怎么|怎样|步骤|方法",
            re.IGNORECASE,
        ),
    ),
]

_YEAR = r"(1[0-9]{3}|20[0-9]{2})"
_MONTHS = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\."
)
_HELD: dict[AnswerType, re.Pattern[str]] = {
    "date": re.compile(
        rf"{_YEAR}\s*年|\b{_YEAR}s?\b|[0-9一二三四五六七八九十]+\s*[月日号世纪]|{_MONTHS}|"
        r"\b\d{1,2}:\d{2}\b|[0-9]+\s*(BC|AD|BCE|CE)\b|century|年代|朝|时期|上午|下午|凌晨|晚上|"
        r"[春夏秋冬][季天]",
    ),
    "number": re.compile(
        r"\d|[一二两三四五六七八九十百千万亿]+\s*[个位种次名岁年天条部本项人家座只支场届层倍%％米元]|"
        r"\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
        r"forty|fifty|hundred|thousand|million|billion|dozen|half)\b|percent|百分之",
        re.IGNORECASE,
    ),
    # a title: Chinese marks works with 《》, English quotes them
    "work": re.compile(r"《[^》]+》|[“\"][A-Z][^”\"]{2,}[”\"]"),
    "person": re.compile(
        r"\b[A-Z][a-z]+(?:\s+(?:[A-Z]\.|[A-Z][a-z]+|de|van|von|of))+|"
        r"[\u4e00-\u9fff]{1,4}(先生|女士|教授|博士|总统|主席|皇帝|国王|公司|集团|大学|协会|组织|委员会)|"
        r"[\u4e00-\u9fff]·[\u4e00-\u9fff]|\b[A-Z]{2,}\b|\b[A-Z][a-z]{2,}\b",
    ),
    "place": re.compile(
        r"\b(in|at|near|from|to)\s+(the\s+)?[A-Z][a-z]+|"
        r"[\u4e00-\u9fff]{1,6}(省|市|县|区|州|国|岛|山|河|江|湖|海|城|镇|村|港|洲|半岛|地区|大道|街)|"
        r"位于|坐落|在[\u4e00-\u9fff]{2,}",
    ),
    "steps": re.compile(
        r"^\s*(\d+[.)、]|[-*•]|第[一二三四五六七八九十\d]+步)|\b(first|then|next|press|hold|"
        r"click|open|select|turn|use|by)\b|首先|然后|接着|按|点击|打开|选择|通过|使用|将",
        re.IGNORECASE | re.MULTILINE,
    ),
}


def asked_type(question: str) -> AnswerType:
    """The kind of item the question asks for; the first kind whose cue it holds."""
    for kind, cue in _ASKS:
        if cue.search(question):
            return kind
    return "other"


def holds_type(sentence: str, kind: AnswerType, question: str = "") -> bool:
    """Whether the sentence holds an item of the kind that the question does not already
    name (a year the question repeats answers nothing)."""
    pattern = _HELD.get(kind)
    if pattern is None:
        return False
    return any(m.group(0) not in question for m in pattern.finditer(sentence))


def is_question(sentence: str) -> bool:
    """A sentence the document itself asks ("…什么时间开售？"): it states nothing."""
    return sentence.rstrip().rstrip("\"'”’」』)）").endswith(("?", "？"))
