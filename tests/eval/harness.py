"""Runs the evaluation corpus through the HTTP API and scores retrieval and answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.eval.corpus import QUESTIONS, Question, write


@dataclass
class Outcome:
    question: Question
    filenames: list[str]
    pages: list[int | None]
    answer: str
    citations: list[int]

    @property
    def top1(self) -> bool:
        return bool(self.filenames) and self.filenames[0] == self.question.filename

    @property
    def top5(self) -> bool:
        return self.question.filename in self.filenames[:5]

    @property
    def page_ok(self) -> bool | None:
        """None for a question with no page: it says nothing about pages, so it is left out
        of the page score instead of counting as right."""
        if self.question.page is None:
            return None
        return self.top1 and self.pages[0] == self.question.page

    @property
    def fact_in_answer(self) -> bool:
        return self.question.fact.lower() in self.answer.lower()


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def scored(self, name: str) -> list[bool]:
        values = (getattr(o, name) for o in self.outcomes)
        return [bool(v) for v in values if v is not None]

    def rate(self, name: str) -> float:
        values = self.scored(name)
        return sum(values) / max(len(values), 1)

    def failures(self, name: str) -> list[str]:
        return [
            f"{o.question.text} -> {o.filenames[:3]} | {o.answer[:120]!r}"
            for o in self.outcomes
            if getattr(o, name) is False
        ]

    def markdown(self) -> str:
        rows = [
            ("right document ranked first", "top1"),
            ("right document in top 5", "top5"),
            ("right PDF/PPTX page", "page_ok"),
            ("answer states the fact (no model)", "fact_in_answer"),
        ]
        lines = [f"Questions: {len(self.outcomes)}", "", "| measure | rate |", "|---|---|"]
        lines += [
            f"| {label} | {self.rate(name):.0%} of {len(self.scored(name))} |"
            for label, name in rows
        ]
        return "\n".join(lines)


def import_corpus(client: Any, folder: Path, kb_name: str = "eval") -> str:
    kb = client.post("/api/kbs", json={"name": kb_name}).json()
    for path in write(folder):
        with open(path, "rb") as handle:
            answer = client.post(
                f"/api/kbs/{kb['id']}/documents", files={"files": (path.name, handle.read())}
            )
        assert answer.status_code == 202, answer.text
    return str(kb["id"])


def ask(client: Any, question: Question, kb_id: str) -> Outcome:
    body = {"question": question.text, "kb_ids": [kb_id]}
    events: list[dict[str, Any]] = []
    with client.stream("POST", "/api/chat/stream", json=body) as answer:
        data: list[str] = []
        for line in answer.iter_lines():
            if line.startswith("data:"):
                data.append(line[5:].strip())
            elif line == "" and data:
                events.append(json.loads("\n".join(data)))
                data = []
    sources = next(e["sources"] for e in events if e["type"] == "sources")
    done = next(e for e in events if e["type"] == "done")
    return Outcome(
        question,
        [s["filename"] for s in sources],
        [s["page"] for s in sources],
        done["answer"],
        done["citations"],
    )


def evaluate(client: Any, kb_id: str) -> Report:
    return Report([ask(client, q, kb_id) for q in QUESTIONS])
