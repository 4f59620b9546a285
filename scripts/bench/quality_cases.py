"""The public question-answering sets as benchmark cases, shared by `quality.py` and the CI
gate (tests/eval/test_public_sets.py).

Three knowledge bases hold one paragraph per `.txt` file: CMRC 2018 dev (zh), XQuAD zh
and XQuAD en (the same 240 paragraphs, translated; their question ids match). A fourth,
`xquad_en_half`, holds the English paragraphs of the even-numbered XQuAD articles only,
so that the odd-numbered articles' questions have a same-language knowledge base that
cannot answer them.

Cases (each a fixed, seeded sample):
- `cmrc`, `xquad_zh`, `xquad_en`: a set's questions asked of its own paragraphs.
- `zh->en`, `en->zh`: an XQuAD question asked of the other language's paragraphs; the gold
  paragraph and answer are the other language's (same question id).
- negative controls, whose answer is in no paragraph of the knowledge base asked:
  `neg zh->zh` = half CMRC questions asked of XQuAD zh, half XQuAD zh questions asked of
  CMRC; `neg en->en` = questions of odd-numbered XQuAD en articles asked of
  `xquad_en_half`; `neg zh->en` = CMRC questions asked of XQuAD en; `neg en->zh` = XQuAD
  en questions asked of CMRC; `small talk` = greetings, identity and out-of-domain chat
  asked of CMRC. The honest outcome of each is an answer with no sources.
"""

from __future__ import annotations

import json
import os
import random
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = 13
SET_FILES = {"cmrc": "cmrc2018_dev.json", "xquad_zh": "xquad.zh.json", "xquad_en": "xquad.en.json"}
HALF_EN = "xquad_en_half"
# Not from any set: the kinds of chat a new user types first (greeting, identity, what
# the app does, weather, general knowledge), in both languages.
SMALL_TALK = [
    "你好",
    "你是谁？",
    "你能做什么",
    "今天天气怎么样",
    "hello",
    "hi there",
    "who are you?",
    "what can you do?",
    "thanks!",
    "谢谢",
    "what's the weather like today?",
    "讲个笑话吧",
]
_SENTENCE_END = re.compile(r"[。！？!?]|\.(?=\s|$)")
_CITATION = re.compile(r"\[\d+\]")
_SPACE = re.compile(r"\s+")


def public_eval_dir() -> Path:
    """WOWRAG_PUBLIC_EVAL, or `shared/public-eval` beside the clone (CI), or beside a
    folder above it (a git worktree nested deeper)."""
    if os.environ.get("WOWRAG_PUBLIC_EVAL"):
        return Path(os.environ["WOWRAG_PUBLIC_EVAL"])
    for parent in ROOT.parents:
        folder = parent / "shared" / "public-eval"
        if folder.is_dir():
            return folder
    return ROOT.parent / "shared" / "public-eval"


@dataclass(frozen=True)
class Question:
    text: str
    kb: str  # the knowledge base asked
    gold: str = ""  # file name of the paragraph holding the answer; "" for no answer
    answers: tuple[str, ...] = ()
    sentence_len: int = 0  # the gold answer's own sentence, in characters


@dataclass
class Case:
    name: str
    questions: list[Question]
    negative: bool = False
    cross: bool = False


@dataclass
class Paragraphs:
    """One set: its paragraphs by file name, its questions with their gold."""

    name: str
    texts: dict[str, str] = field(default_factory=dict)
    article: dict[str, int] = field(default_factory=dict)
    questions: dict[str, tuple[str, str, tuple[str, ...], int]] = field(default_factory=dict)


def fold(text: str) -> str:
    """For 'stated': NFKC, case-folded, without citation marks or any whitespace."""
    text = _CITATION.sub("", unicodedata.normalize("NFKC", text)).casefold()
    return _SPACE.sub("", text)


def answer_length(answer: str) -> int:
    return len(_SPACE.sub(" ", _CITATION.sub("", answer)).strip())


def sentence_around(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    found = _SENTENCE_END.search(text, max(end - 1, 0))
    return text[left : found.end() if found else len(text)].strip()


def load(folder: Path, name: str) -> Paragraphs:
    data = json.loads((folder / SET_FILES[name]).read_text("utf-8"))["data"]
    out = Paragraphs(name)
    number = 0
    for article_no, article in enumerate(data):
        for paragraph in article["paragraphs"]:
            filename = f"{name}-{number:04d}.txt"
            number += 1
            context = paragraph["context"]
            out.texts[filename] = context
            out.article[filename] = article_no
            for qa in paragraph["qas"]:
                answers = tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
                first = qa["answers"][0]
                start = int(first.get("answer_start", context.find(first["text"])))
                sentence = sentence_around(context, start, start + len(first["text"]))
                out.questions[qa["id"]] = (qa["question"], filename, answers, len(sentence))
    return out


def knowledge_bases(sets: dict[str, Paragraphs]) -> dict[str, dict[str, str]]:
    """Knowledge base name -> {file name: paragraph}."""
    kbs = {name: dict(s.texts) for name, s in sets.items()}
    en = sets["xquad_en"]
    kbs[HALF_EN] = {f: t for f, t in en.texts.items() if en.article[f] % 2 == 0}
    return kbs


def _sample(items: list, size: int, salt: str) -> list:  # type: ignore[type-arg]
    items = sorted(items)
    return random.Random(f"{SEED}/{salt}").sample(items, min(size, len(items)))


def build_cases(sets: dict[str, Paragraphs], size: int) -> list[Case]:
    def own(name: str, ids: list[str], kb: str) -> list[Question]:
        out = []
        for qid in ids:
            text, gold, answers, length = sets[name].questions[qid]
            out.append(Question(text, kb, gold if kb == name else "", answers, length))
        return out

    def crossed(ask: str, kb: str, ids: list[str]) -> list[Question]:
        out = []
        for qid in ids:
            _, gold, answers, length = sets[kb].questions[qid]
            out.append(Question(sets[ask].questions[qid][0], kb, gold, answers, length))
        return out

    cmrc, zh, en = (list(sets[n].questions) for n in ("cmrc", "xquad_zh", "xquad_en"))
    shared = [q for q in zh if q in set(en)]
    odd = [q for q in en if sets["xquad_en"].article[sets["xquad_en"].questions[q][1]] % 2]
    half = size // 2
    return [
        Case("cmrc", own("cmrc", _sample(cmrc, size, "cmrc"), "cmrc")),
        Case("xquad_zh", own("xquad_zh", _sample(zh, size, "zh"), "xquad_zh")),
        Case("xquad_en", own("xquad_en", _sample(en, size, "en"), "xquad_en")),
        Case("zh->en", crossed("xquad_zh", "xquad_en", _sample(shared, size, "zh-en")), cross=True),
        Case("en->zh", crossed("xquad_en", "xquad_zh", _sample(shared, size, "en-zh")), cross=True),
        Case(
            "neg zh->zh",
            own("cmrc", _sample(cmrc, half, "neg-zz-a"), "xquad_zh")
            + own("xquad_zh", _sample(zh, size - half, "neg-zz-b"), "cmrc"),
            negative=True,
        ),
        Case("neg en->en", own("xquad_en", _sample(odd, size, "neg-ee"), HALF_EN), negative=True),
        Case(
            "neg zh->en",
            own("cmrc", _sample(cmrc, size, "neg-ze"), "xquad_en"),
            negative=True,
            cross=True,
        ),
        Case(
            "neg en->zh",
            own("xquad_en", _sample(en, size, "neg-ez"), "cmrc"),
            negative=True,
            cross=True,
        ),
        Case("small talk", [Question(t, "cmrc") for t in SMALL_TALK], negative=True),
    ]


def load_all(folder: Path | None = None) -> dict[str, Paragraphs]:
    folder = folder or public_eval_dir()
    return {name: load(folder, name) for name in SET_FILES}


@dataclass
class Asked:
    """What one question got: the source file names in rank order and the answer."""

    question: Question
    sources: list[str]
    answer: str
    first_token_ms: float | None = None

    @property
    def para1(self) -> bool:
        return bool(self.sources) and self.sources[0] == self.question.gold

    @property
    def para5(self) -> bool:
        return self.question.gold in self.sources[:5]

    @property
    def stated(self) -> bool:
        said = fold(self.answer)
        return any(fold(a) and fold(a) in said for a in self.question.answers)

    @property
    def not_found(self) -> bool:
        return not self.sources


def rate(flags: Iterator[bool] | list[bool]) -> float:
    values = list(flags)
    return round(sum(values) / max(len(values), 1), 3)


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2


def score(case: Case, asked: list[Asked]) -> dict[str, float | int | None]:
    """One row of the table."""
    row: dict[str, float | int | None] = {"n": len(asked)}
    if case.negative:
        row["not_found"] = rate(a.not_found for a in asked)
    else:
        row["para1"] = rate(a.para1 for a in asked)
        row["para5"] = rate(a.para5 for a in asked)
        row["stated"] = rate(a.stated for a in asked)
        row["answer_p50"] = median([answer_length(a.answer) for a in asked])
        row["gold_sentence_p50"] = median([a.question.sentence_len for a in asked])
    timed = [a.first_token_ms for a in asked if a.first_token_ms is not None]
    row["first_token_p50"] = median(timed)
    return row


def smaller_kbs(
    kbs: dict[str, dict[str, str]], cases: list[Case], size: int
) -> dict[str, dict[str, str]]:
    """Each knowledge base cut to `size` paragraphs for a quick run: the gold paragraphs of
    the cases' questions, then a seeded sample of the others as distractors."""
    out = {}
    for kb, files in kbs.items():
        gold = {q.gold for c in cases for q in c.questions if q.kb == kb and q.gold}
        others = _sample([f for f in files if f not in gold], max(size - len(gold), 0), kb)
        out[kb] = {f: files[f] for f in sorted(gold | set(others))}
    return out
