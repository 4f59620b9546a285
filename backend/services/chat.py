"""The chat service: one code path behind /api/chat/stream, /api/chat, /stream_chat and
/v1/chat/completions. It yields domain events and knows nothing of HTTP."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field

from backend.errors import NotFound
from backend.rag.llm.generation import (
    AnswerGenerator,
    AnswerRequest,
    GenerationError,
    Turn,
    detect_language,
)
from backend.rag.relevance import judge
from backend.rag.retriever import HybridRetriever, Passage
from backend.store.clock import new_id
from backend.store.knowledge_bases import KnowledgeBaseRepository
from backend.store.sessions import SessionRepository

log = logging.getLogger(__name__)
HISTORY_TURNS = 6
CHECKPOINT_S = 1.0
TITLE_LENGTH = 40
_CITATION = re.compile(r"\[(\d{1,2})\]")


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


@dataclass
class HistoryNotSaved:
    """The disk is full: the answer streams, but the history could not keep it."""

    code: str = "history_not_saved"
    message: str = "The disk holding the data folder is full: this chat is not saved."


ChatEvent = (
    SessionStarted | SourcesFound | TokenDelta | AnswerDone | AnswerFailed | HistoryNotSaved
)


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
class RetrievalOptions:
    top_k: int = 5
    hybrid: bool = True


def cited(answer: str, passages: list[Passage]) -> list[int]:
    valid = {p.index for p in passages}
    found = {int(n) for n in _CITATION.findall(answer)}
    return sorted(found & valid)


_ANAPHORA = re.compile(
    r"\b(it|its|that|this|those|these|they|them|there|one|ones|also|too|else|more)\b|"
    r"^(and|what about|how about)\b|它|这个|那个|这些|那些|该|其|他们|她们|还|呢|那么|另外",
    re.IGNORECASE,
)


def followup_query(question: str, history: list[Turn]) -> str:
    """Without a model to rewrite it, a short follow-up that points back ("can I renew
    it?" after "how long can I borrow a book?") is searched with the previous question."""
    previous = [t.content for t in history if t.role == "user"]
    if not previous or not _ANAPHORA.search(question):
        return question
    if detect_language(previous[-1]) != detect_language(question):
        return question
    if detect_language(question) == "zh":
        short = len(question) <= 30
    else:
        short = len(question.split()) <= 12
    return f"{previous[-1]} {question}" if short else question


class ChatService:
    def __init__(
        self,
        sessions: SessionRepository,
        kbs: KnowledgeBaseRepository,
        retriever: HybridRetriever,
        generator: Callable[[], AnswerGenerator],
        options: Callable[[], RetrievalOptions],
    ) -> None:
        self.sessions, self.kbs, self.retriever = sessions, kbs, retriever
        self.generator, self.options = generator, options

    def open_turn(self, request: ChatRequest) -> ChatTurn:
        """Check the request and record the question; raises NotFound before any streaming."""
        for kb_id in request.kb_ids or []:
            if not self.kbs.exists(kb_id):
                raise NotFound(f"Knowledge base {kb_id!r} does not exist.", code="kb_not_found")
        if request.session_id:
            session = self.sessions.get(request.session_id)
            history = [
                Turn(m.role, m.content)  # type: ignore[arg-type]
                for m in self.sessions.messages(session.id, last=HISTORY_TURNS)
                if m.role in ("user", "assistant") and m.content
            ]
            if request.kb_ids is not None:
                self.sessions.update(session.id, None, request.kb_ids)
        else:
            title = request.question.strip().splitlines()[0][:TITLE_LENGTH] or "New chat"
            session = self.sessions.create(title, request.kb_ids or [])
            history = (request.history or [])[-HISTORY_TURNS:]
        scope = request.kb_ids if request.kb_ids is not None else session.kb_ids
        kb_ids = [k for k in scope if self.kbs.exists(k)] or None
        self.sessions.add_message(session.id, "user", request.question)
        return ChatTurn(
            session_id=session.id,
            message_id=new_id(),
            question=request.question,
            kb_ids=kb_ids,
            top_k=request.top_k or self.options().top_k,
            history=history,
        )

    async def stream(self, turn: ChatTurn) -> AsyncIterator[ChatEvent]:
        started = time.perf_counter()
        answer, status, passages = "", "stopped", []
        generator = self.generator()
        # The answer row exists from the start and is checkpointed while it streams, so a
        # crash mid-answer keeps the partial text (marked stopped at the next start).
        self.sessions.add_message(
            turn.session_id, "assistant", "", message_id=turn.message_id, status="streaming"
        )
        checkpoint = time.perf_counter()
        try:
            yield SessionStarted(turn.session_id, turn.message_id)
            warned = self.sessions.not_saved(turn.session_id, turn.message_id)
            if warned:
                yield HistoryNotSaved()
            query = await self._standalone_question(generator, turn)
            passages = await asyncio.to_thread(
                self.retriever.retrieve,
                query,
                turn.kb_ids,
                turn.top_k,
                self.options().hybrid,
                turn.question,
            )
            retrieval_ms = _ms(started)
            judgement = judge(turn.question, passages)
            passages = judgement.passages
            yield SourcesFound([p.to_source() for p in passages])
            first_token_ms: float | None = None
            request = AnswerRequest(
                turn.question, passages, turn.history, detect_language(turn.question)
            )
            # aclosing: a client that leaves closes the model's stream (and its connection)
            # now, not whenever the garbage collector gets to it. Nothing to answer from:
            # the judgement's reply, and no model is called.
            replies = generator.stream(request) if judgement.verdict == "answer" else _said(
                judgement.reply
            )
            async with aclosing(replies) as deltas:
                async for delta in deltas:
                    if first_token_ms is None:
                        first_token_ms = _ms(started)
                    answer += delta
                    yield TokenDelta(delta)
                    if time.perf_counter() - checkpoint > CHECKPOINT_S:
                        checkpoint = time.perf_counter()
                        self.sessions.update_message(turn.message_id, answer, status="streaming")
            status = "done"
            if not warned and self.sessions.not_saved(turn.session_id, turn.message_id):
                yield HistoryNotSaved()
            usage = getattr(generator, "last_usage", None)
            yield AnswerDone(
                answer,
                cited(answer, passages),
                {
                    "retrieval_ms": retrieval_ms,
                    "first_token_ms": first_token_ms or _ms(started),
                    "total_ms": _ms(started),
                },
                usage,
            )
        except GenerationError as exc:
            status = "error"
            yield AnswerFailed(exc.code, exc.message)
        except Exception:
            log.exception("answering failed")
            status = "error"
            yield AnswerFailed("internal_error", "Something went wrong while answering.")
        finally:
            self.sessions.update_message(
                turn.message_id,
                answer,
                sources=[p.to_source() for p in passages],
                status=status,
            )
            await generator.close()

    async def _standalone_question(self, generator: AnswerGenerator, turn: ChatTurn) -> str:
        condense: Callable[[str, list[Turn]], Awaitable[str]] | None = getattr(
            generator, "condense", None
        )
        if turn.history and condense is not None:
            try:
                return await condense(turn.question, turn.history)
            except GenerationError:
                # The answer call will report a dead model; a failed rewrite alone must not.
                log.warning("condensing the follow-up failed; searching with the heuristic")
        return followup_query(turn.question, turn.history)

    async def answer(self, request: ChatRequest) -> tuple[str, str, list[dict[str, object]]]:
        """The whole answer at once: (session_id, answer, sources)."""
        turn = self.open_turn(request)
        answer, sources = "", []
        async for event in self.stream(turn):
            if isinstance(event, SourcesFound):
                sources = event.sources
            elif isinstance(event, AnswerDone):
                answer = event.answer
            elif isinstance(event, AnswerFailed):
                raise GenerationError(event.code, event.message)
        return turn.session_id, answer, sources


async def _said(text: str) -> AsyncGenerator[str, None]:
    yield text


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)
