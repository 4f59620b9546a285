"""What every answer generator receives and yields: the question, the numbered passages,
the conversation so far; text deltas out. The extractive answerer and the LLM providers
all implement `AnswerGenerator`, so the chat service has one code path."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Literal, Protocol

from backend.rag.retriever import Passage

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


class GenerationError(Exception):
    """A failure a person can act on: `llm_unreachable`, `llm_auth_failed`, `llm_timeout`..."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
