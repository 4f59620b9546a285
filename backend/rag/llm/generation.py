"""What every answer generator receives and yields: the question, the numbered passages,
the conversation so far; text deltas out. The extractive answerer and the LLM providers
all implement `AnswerGenerator`, so the chat service has one code path."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from backend.errors import GenerationError
from backend.rag.retriever import Passage

__all__ = [
    "NOT_FOUND",
    "AnswerGenerator",
    "AnswerRequest",
    "GenerationError",
    "Language",
    "Turn",
    "detect_language",
]

Language = Literal["zh", "en"]
_CJK = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")


def detect_language(text: str) -> Language:
    """Chinese when a fair share of the letters are Han characters."""
    han = len(_CJK.findall(text))
    letters = sum(ch.isalpha() for ch in text)
    return "zh" if han and han >= 0.2 * max(letters, 1) else "en"


@dataclass
class Turn:
    role: Literal["user", "assistant"]
    content: str


@dataclass
class AnswerRequest:
    question: str
    passages: list[Passage]
    history: list[Turn] = field(default_factory=list)
    language: Language = "en"


class AnswerGenerator(Protocol):
    name: str

    def stream(self, request: AnswerRequest) -> AsyncGenerator[str, None]:
        """Yield the answer as text deltas, as they come."""
        ...

    async def close(self) -> None: ...


NOT_FOUND = {
    "zh": "抱歉，知识库中没有找到与这个问题相关的内容。",
    "en": "Sorry, I could not find anything about this in the knowledge base.",
}
