"""What every answer generator receives and yields: the question, the numbered passages,
the conversation so far; text deltas out. The extractive answerer and the LLM providers
all implement `AnswerGenerator`, so the chat service has one code path."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from backend.errors import GenerationError
from backend.rag.language import NOT_FOUND, Language, detect_language
from backend.rag.passage import Passage

__all__ = [
    "NOT_FOUND",
    "AnswerGenerator",
    "AnswerRequest",
    "GenerationError",
    "Language",
    "Turn",
    "detect_language",
]


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
