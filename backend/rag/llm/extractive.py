"""The answerer that needs no model: the sentences of the retrieved passages that best
answer the question, each followed by its [n] citation, streamed in small pieces."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncGenerator

from backend.rag.llm.generation import NOT_FOUND, AnswerRequest
from backend.rag.relevance import relevant
from backend.rag.retriever import Passage, UnitScore

MAX_SENTENCES = 3
FOLLOWER_RATIO = 0.85
TYPING_DELAY_S = 0.015
TITLE_PENALTY = 0.5
_ENDS_SENTENCE = re.compile(r"[。！？.!?；;:：]$")
_PIECE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]{1,3}|\s*\S+?(?=\s|[\u3400-\u9fff]|$)|\s+")


def _title_like(text: str) -> bool:
    """A heading or caption: no end mark and no figure, so it states nothing."""
    return not _ENDS_SENTENCE.search(text.strip()) and not any(ch.isdigit() for ch in text)


def _worth(unit: UnitScore, passage: Passage) -> float:
    text = passage.text[unit.start : unit.end]
    return unit.score * (TITLE_PENALTY if _title_like(text) else 1.0)


def choose_sentences(passages: list[Passage]) -> list[tuple[Passage, UnitScore]]:
    """The best sentence of the top passage, then close runners-up from the next ones."""
    candidates = [p for p in passages[:3] if relevant(p)]
    if not candidates:
        return []
    chosen: list[tuple[Passage, UnitScore]] = []
    top = candidates[0]
    best = max(top.units, key=lambda u: _worth(u, top))
    chosen.append((top, best))
    floor = _worth(best, top) * FOLLOWER_RATIO
    for passage in candidates:
        ranked = sorted(passage.units, key=lambda u: _worth(u, passage), reverse=True)
        for unit in ranked[:2]:
            if len(chosen) >= MAX_SENTENCES:
                return chosen
            text = passage.text[unit.start : unit.end]
            if _worth(unit, passage) >= floor and not any(
                text in p.text[u.start : u.end] or p.text[u.start : u.end] in text
                for p, u in chosen
            ):
                chosen.append((passage, unit))
    return chosen


def compose(request: AnswerRequest) -> str:
    chosen = choose_sentences(request.passages)
    if not chosen:
        return NOT_FOUND[request.language]
    parts = []
    for passage, unit in chosen:
        sentence = passage.text[unit.start : unit.end].strip()
        parts.append(f"{sentence}[{passage.index}]")
    glue = "" if request.language == "zh" else " "
    return glue.join(parts)


def pieces(text: str) -> list[str]:
    """Typing-sized pieces: up to three Han characters, or one word with its space."""
    found = _PIECE.findall(text)
    return found if "".join(found) == text else list(text)


class ExtractiveGenerator:
    name = "extractive"

    async def stream(self, request: AnswerRequest) -> AsyncGenerator[str, None]:
        for piece in pieces(compose(request)):
            yield piece
            await asyncio.sleep(TYPING_DELAY_S)

    async def close(self) -> None:
        return None
