"""What a chat turn takes in and gives out: the request, the accepted turn, and the domain
events every adapter (SSE, whole answer, OpenAI, plain text) reshapes. `whole_answer` is
the one place a stream of events is folded into a finished answer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from backend.errors import AppError
from backend.rag.llm.generation import Turn


@dataclass
class ChatRequest:
    question: str
    session_id: str | None = None
    kb_ids: list[str] | None = None
    top_k: int | None = None
    # The conversation so far when the caller keeps it (OpenAI clients send it each time);
    # used for a new session only: a saved session's own messages are its history.
    history: list[Turn] | None = None


@dataclass
class ChatTurn:
    """A question accepted into a session, ready to be answered."""

    session_id: str
    message_id: str
    question: str
    kb_ids: list[str] | None
    top_k: int
    history: list[Turn] = field(default_factory=list)


@dataclass
class SessionStarted:
    session_id: str
    message_id: str


@dataclass
class SourcesFound:
    sources: list[dict[str, object]]


@dataclass
class TokenDelta:
    delta: str


@dataclass
class AnswerDone:
    answer: str
    citations: list[int]
    timings: dict[str, float]
    usage: dict[str, int] | None = None


@dataclass
class AnswerFailed:
    code: str
    message: str
    # For the whole-answer routes' HTTP status; a streamed error event carries no status.
    status: int = 502


@dataclass
class HistoryNotSaved:
    """The disk is full: the answer streams, but the history could not keep it."""

    code: str = "history_not_saved"
    message: str = "The disk holding the data folder is full: this chat is not saved."


ChatEvent = (
    SessionStarted | SourcesFound | TokenDelta | AnswerDone | AnswerFailed | HistoryNotSaved
)


@dataclass
class WholeAnswer:
    done: AnswerDone
    sources: list[dict[str, object]]


async def whole_answer(events: AsyncIterator[ChatEvent]) -> WholeAnswer:
    """The answer once it is complete; a failed answer raises its error."""
    sources: list[dict[str, object]] = []
    async for event in events:
        if isinstance(event, SourcesFound):
            sources = event.sources
        elif isinstance(event, AnswerFailed):
            raise AppError(event.message, code=event.code, status=event.status)
        elif isinstance(event, AnswerDone):
            return WholeAnswer(event, sources)
    raise AppError("The answer ended without a result.", code="internal_error", status=500)
