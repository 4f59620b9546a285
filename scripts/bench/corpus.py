"""A deterministic, generated corpus of mixed Chinese/English Markdown documents.

Nothing is downloaded: sentences come from templates and word lists with a seeded
random generator, so the same size always gives the same files. The corpus holds
*needles* (one-off facts with unique names, the questions' answers) and *near-twins*
(two company handbooks saying the same sentence with different numbers, told apart only
by the company name), so the benchmark questions exercise real retrieval.

Sizes are in chunks as wow-rag's splitter cuts them (about 320 characters each): the
generator adds documents until the splitter's count reaches the target.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

from scripts.bench.corpus_words import (
    COMPANIES,
    DAYS,
    EN_ACT,
    EN_DEPT,
    EN_GLUE,
    EN_OBJ,
    EN_RES,
    SYLLABLES,
    ZH_ACT,
    ZH_DEPT,
    ZH_GLUE,
    ZH_NAMES,
    ZH_OBJ,
    ZH_RES,
)

SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}


@dataclass
class Question:
    text: str
    expected: str  # a string the right answer contains
    language: str


@dataclass
class Corpus:
    size: str
    files: dict[str, str] = field(default_factory=dict)  # filename -> Markdown text
    questions: list[Question] = field(default_factory=list)
    chunks: int = 0

    def write(self, folder: Path) -> list[Path]:
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, text in self.files.items():
            path = folder / name
            path.write_text(text, "utf-8")
            paths.append(path)
        return paths


def _zh_sentence(rng: random.Random) -> str:
    res = rng.choice(ZH_RES).format(n=rng.randint(2, 95))
    return (
        f"{rng.choice(ZH_GLUE)}{rng.choice(ZH_DEPT)}在{rng.randint(2015, 2026)}年"
        f"{rng.randint(1, 12)}月{rng.choice(ZH_ACT)}{rng.choice(ZH_OBJ)}，{res}。"
    )


def _en_sentence(rng: random.Random) -> str:
    res = rng.choice(EN_RES).format(n=rng.randint(2, 95))
    sentence = (
        f"{rng.choice(EN_GLUE)}the {rng.choice(EN_DEPT)} team {rng.choice(EN_ACT)} "
        f"{rng.choice(EN_OBJ)} in {rng.choice(DAYS[:5])} of week {rng.randint(1, 52)}, "
        f"{res}."
    )
    return sentence[0].upper() + sentence[1:]


def _paragraph(rng: random.Random, language: str) -> str:
    if language == "zh":
        return "".join(_zh_sentence(rng) for _ in range(rng.randint(3, 7)))
    return " ".join(_en_sentence(rng) for _ in range(rng.randint(2, 4)))


def _code(rng: random.Random, used: set[str]) -> str:
    while True:
        name = "".join(rng.choice(SYLLABLES) for _ in range(3)) + f"-{rng.randint(10, 999)}"
        if name not in used:
            used.add(name)
            return name


def _needle(rng: random.Random, used: set[str]) -> tuple[str, Question, str]:
    """(sentence, question, language) for a one-off fact with a unique name."""
    kind = rng.randrange(3)
    if kind == 0:
        server, day, hour = _code(rng, used), rng.choice(DAYS), rng.randint(0, 23)
        return (
            f"The maintenance window for server {server} is every {day} at {hour:02d}:00 UTC.",
            Question(f"When is the maintenance window for server {server}?", day, "en"),
            "en",
        )
    if kind == 1:
        project = rng.choice(ZH_NAMES) + str(rng.randint(100, 999))
        while project in used:
            project = rng.choice(ZH_NAMES) + str(rng.randint(100, 999))
        used.add(project)
        budget = rng.randint(12, 980)
        return (
            f"{project}项目的年度预算是{budget}万元，由总部统一拨付。",
            Question(f"{project}项目的年度预算是多少？", f"{budget}万元", "zh"),
            "zh",
        )
    vault, code = _code(rng, used), rng.randint(1000, 9999)
    return (
        f"The access code for vault {vault} is {code}.",
        Question(f"What is the access code for vault {vault}?", str(code), "en"),
        "en",
    )


def _document(
    rng: random.Random, number: int, language: str, needles: list[str], scale: int = 1
) -> tuple[str, str]:
    title_words = (
        f"{rng.choice(ZH_DEPT)}工作纪要{number}"
        if language == "zh"
        else f"{rng.choice(EN_DEPT).title()} notes {number}"
    )
    sections = rng.randint(2, 12) * scale
    parts = [f"# {title_words}\n"]
    for s in range(sections):
        heading = (
            f"## 第{s + 1}节 {rng.choice(ZH_OBJ)}"
            if language == "zh"
            else f"## Section {s + 1}: {rng.choice(EN_OBJ)[4:]}"
        )
        parts.append(heading + "\n")
        for _ in range(rng.randint(2, 6)):
            lang = language if language != "mixed" else rng.choice(["zh", "en"])
            parts.append(_paragraph(rng, lang) + "\n")
    for needle in needles:  # each needle in its own paragraph at a random place
        parts.insert(rng.randint(1, len(parts)), needle + "\n")
    slug = f"doc{number:05d}_{language}.md"
    return slug, "\n".join(parts)


def _twin_handbooks(rng: random.Random) -> tuple[dict[str, str], list[Question]]:
    """Handbooks that differ only in company name and numbers: the near-twin test."""
    files, questions = {}, []
    for en_name, zh_name in COMPANIES:
        leave, allowance = rng.randint(5, 30), rng.randint(50, 400)
        text = (
            f"# {en_name} employee handbook\n\n"
            f"At {en_name}, every full-time employee gets {leave} days of paid annual leave.\n\n"
            f"{zh_name}公司的员工每天的餐补标准是{allowance}元。\n\n"
            + _paragraph(rng, "en")
            + "\n\n"
            + _paragraph(rng, "zh")
            + "\n"
        )
        files[f"{en_name.lower()}_handbook.md"] = text
        questions.append(
            Question(
                f"How many days of paid annual leave do employees get at {en_name}?",
                str(leave),
                "en",
            )
        )
        questions.append(
            Question(f"{zh_name}公司的员工每天的餐补标准是多少？", f"{allowance}元", "zh")
        )
    return files, questions


def chunk_count(filename: str, text: str) -> int:
    """How many chunks wow-rag's reader and splitter make of this file."""
    from backend.rag.readers import read_document
    from backend.rag.splitter import split_pages

    parsed = read_document(text.encode("utf-8"), filename)
    return len(split_pages([(p.page, p.text) for p in parsed.pages]))


def generate(size: str, seed: int = 7, needles: int = 40, doc_scale: int = 1) -> Corpus:
    """Documents until the splitter's chunk count reaches the target for `size`;
    `doc_scale` makes documents that many times longer (fewer files for the same size)."""
    target = SIZES[size] if size in SIZES else int(size)
    rng = random.Random(f"{seed}/{size}")
    corpus = Corpus(size)
    twins, twin_questions = _twin_handbooks(rng)
    for name, text in twins.items():
        corpus.files[name] = text
        corpus.chunks += chunk_count(name, text)
    used: set[str] = set()
    pending = [_needle(rng, used) for _ in range(needles)]
    questions = list(twin_questions)
    number = 0
    while corpus.chunks < target:
        number += 1
        language = rng.choice(["zh", "en", "mixed"])
        mine = [s for s, q, lang in pending[:2]]
        questions += [q for s, q, lang in pending[:2]]
        pending = pending[2:]
        name, text = _document(rng, number, language, mine, doc_scale)
        corpus.files[name] = text
        corpus.chunks += chunk_count(name, text)
    # Alternate languages so that p50/p95 mix both.
    zh = [q for q in questions if q.language == "zh"]
    en = [q for q in questions if q.language == "en"]
    paired = [q for pair in zip(zh, en, strict=False) for q in pair]
    corpus.questions = paired + zh[len(en) :] + en[len(zh) :]
    return corpus


if __name__ == "__main__":
    for label in sys.argv[1:] or ["1k"]:
        c = generate(label)
        chars = sum(len(t) for t in c.files.values())
        print(
            f"{label}: {len(c.files)} files, {c.chunks} chunks, {chars} chars, "
            f"{len(c.questions)} questions"
        )
