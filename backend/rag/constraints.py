"""Values a question pins down: years, versions, model names, numbers and quoted terms.

"What did the 2022 report say" is not answered by the 2023 report, however alike the two
read. A passage that carries the asked value gains; one that carries a different value
of the same kind (another year, another version, another model) and not the asked one
loses. Plain numbers and quoted terms only gain: an answer to "how many" carries new
numbers by nature.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend.rag.normalize import fold

_KINDS: dict[str, re.Pattern[str]] = {
    "year": re.compile(r"(?<![\d.])(1[5-9]\d{2}|20\d{2})(?![\d.])"),
    "version": re.compile(r"(?<![\w.])v?\d+(?:\.\d+){1,3}(?![\w.])", re.IGNORECASE),
    "model": re.compile(r"(?<![\w-])(?=[\w-]*[A-Za-z])(?=[\w-]*\d)[A-Za-z][\w-]*\d[\w-]*(?![\w-])"),
    "number": re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])"),
    "quoted": re.compile(r"[\"“「『《]([^\"”」』》]{1,40})[\"”」』》]"),
}
# Kinds where another value in the passage means another thing (another year's report,
# another model's manual).
_EXCLUSIVE = ("year", "version", "model")


@dataclass(frozen=True)
class Constraint:
    kind: str
    value: str


def _values(kind: str, text: str) -> set[str]:
    pattern = _KINDS[kind]
    found = {m.group(1) if pattern.groups else m.group(0) for m in pattern.finditer(text)}
    return {v.casefold() for v in found}


def constraints(question: str) -> list[Constraint]:
    """The values the question names; a year is not also counted as a plain number."""
    text = fold(question)
    taken: set[str] = set()
    out = []
    for kind in _KINDS:
        for value in sorted(_values(kind, text) - taken):
            out.append(Constraint(kind, value))
            taken.add(value)
    return out


def unheld(question: str, texts: list[str]) -> set[str]:
    """The values the question names whose kind no text carries at all ("QID-003" over
    passages with no code of any kind): they cannot tell passages apart, and counting
    them as missing terms would make every passage look less relevant than it is."""
    folded = [fold(t).casefold() for t in texts]
    return {
        c.value
        for c in constraints(question)
        if c.kind in _EXCLUSIVE and not any(_values(c.kind, t) for t in folded)
    }


def fit(asked: list[Constraint], text: str) -> float:
    """From -1 (only other values of the asked kinds) to 1 (every asked value present)."""
    if not asked:
        return 0.0
    folded = fold(text).casefold()
    total = 0.0
    for c in asked:
        if c.kind == "quoted" or c.kind == "number":
            total += 1.0 if c.value in folded else 0.0
            continue
        present = _values(c.kind, folded)
        if c.value in present:
            total += 1.0
        elif c.kind in _EXCLUSIVE and present:
            total -= 1.0
    return total / len(asked)
