"""The chat service: one code path behind /api/chat/stream, /api/chat, /stream_chat and
/v1/chat/completions. It runs each turn through the chat Workflow, maps the workflow's
stream to domain events and keeps the session's record of the answer; it knows nothing
of HTTP."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import AsyncIterator, Callable

import anyio
from workflows.events import StepState, StepStateChanged

from backend.errors import AppError, NotFound
from backend.rag.llm.generation import AnswerGenerator, Turn
from backend.rag.passage import Passage
from backend.services.chat_events import (
    AnswerDone,
    AnswerFailed,
    ChatEvent,
    ChatRequest,
    ChatTurn,
    HistoryNotSaved,
    SessionStarted,
    SourcesFound,
    TokenDelta,
    whole_answer,
)
from backend.services.chat_workflow import (
    AnswerToken,
    ChatWorkflow,
    PassageRetriever,
    SourcesReady,
    TurnStarted,
)
from backend.services.settings import RetrievalSettings
from backend.store.clock import new_id
from backend.store.knowledge_bases import KnowledgeBaseRepository
from backend.store.sessions import SessionRepository

log = logging.getLogger(__name__)
HISTORY_TURNS = 6
CHECKPOINT_S = 1.0
TITLE_LENGTH = 40
_CITATION = re.compile(r"\[(\d{1,2})\]")


def cited(answer: str, passages: list[Passage]) -> list[int]:
    valid = {p.index for p in passages}
    found = {int(n) for n in _CITATION.findall(answer)}
    return sorted(found & valid)


class ChatService:
    def __init__(
        self,
        sessions: SessionRepository,
        kbs: KnowledgeBaseRepository,
        retriever: PassageRetriever,
        generator: Callable[[], AnswerGenerator],
        options: Callable[[], RetrievalSettings],
        file_dates: Callable[[list[str]], dict[str, str]] = lambda _: {},
    ) -> None:
        self.sessions, self.kbs = sessions, kbs
        self.generator, self.options = generator, options
        self.file_dates = file_dates
        self.workflow = ChatWorkflow(retriever)

    def use_retriever(self, retriever: PassageRetriever) -> None:
        """Retrieve through `retriever` from the next turn on."""
        self.workflow.retriever = retriever

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

    def sources(self, passages: list[Passage]) -> list[dict[str, object]]:
        """The cited passages as sources, each with its file's date, looked up now (the
        chunks do not carry it), so that a person sees when an old version is quoted."""
        dates = self.file_dates(list({p.doc_id for p in passages}))
        return [{**p.to_source(), "modified_at": dates.get(p.doc_id)} for p in passages]

    async def stream(self, turn: ChatTurn) -> AsyncIterator[ChatEvent]:
        clock = _Clock()
        answer, status, passages = "", "stopped", list[Passage]()
        sources: list[dict[str, object]] = []
        generator = self.generator()
        # The answer row exists from the start and is checkpointed while it streams, so a
        # crash mid-answer keeps the partial text (marked stopped at the next start).
        self.sessions.add_message(
            turn.session_id, "assistant", "", message_id=turn.message_id, status="streaming"
        )
        checkpoint = time.perf_counter()
        start = TurnStarted(turn=turn, generator=generator, hybrid=self.options().hybrid)
        run = self.workflow.run(start_event=start)
        try:
            yield SessionStarted(turn.session_id, turn.message_id)
            warned = self.sessions.not_saved(turn.session_id, turn.message_id)
            if warned:
                yield HistoryNotSaved()
            async for event in run.stream_events(expose_internal=True):
                if isinstance(event, AnswerToken):
                    clock.first_token()
                    answer += event.delta
                    yield TokenDelta(event.delta)
                    if time.perf_counter() - checkpoint > CHECKPOINT_S:
                        checkpoint = time.perf_counter()
                        self.sessions.update_message(turn.message_id, answer, status="streaming")
                elif isinstance(event, SourcesReady):
                    clock.retrieved()
                    passages = event.passages
                    sources = self.sources(passages)
                    yield SourcesFound(sources)
                elif isinstance(event, StepStateChanged):
                    clock.step(event)
            usage = await run
            status = "done"
            if not warned and self.sessions.not_saved(turn.session_id, turn.message_id):
                yield HistoryNotSaved()
            yield AnswerDone(answer, cited(answer, passages), clock.timings(), usage)
        except AppError as exc:
            status = "error"
            yield AnswerFailed(exc.code, exc.message, exc.status)
        except Exception:
            log.exception("answering failed")
            status = "error"
            yield AnswerFailed("internal_error", "Something went wrong while answering.", 500)
        finally:
            # Shielded: a client that left cancels this generator, and the run must still
            # be stopped (which closes the model's stream) and the partial answer saved.
            with anyio.CancelScope(shield=True):
                if not run.is_done():
                    await run.cancel_run()
                self.sessions.update_message(
                    turn.message_id,
                    answer,
                    sources=sources,
                    status=status,
                )
                await generator.close()

    async def answer(self, request: ChatRequest) -> tuple[str, str, list[dict[str, object]]]:
        """The whole answer at once: (session_id, answer, sources)."""
        turn = self.open_turn(request)
        whole = await whole_answer(self.stream(turn))
        return turn.session_id, whole.done.answer, whole.sources


class _Clock:
    """The turn's timings: retrieval and first token since the start, and how long each
    workflow step ran, from the workflow's own step events."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.marks: dict[str, float] = {}
        self._running: dict[str, float] = {}

    def _ms(self) -> float:
        return round((time.perf_counter() - self.started) * 1000, 1)

    def retrieved(self) -> None:
        self.marks.setdefault("retrieval_ms", self._ms())

    def first_token(self) -> None:
        if "first_token_ms" not in self.marks:
            self.marks["first_token_ms"] = self._ms()

    def step(self, event: StepStateChanged) -> None:
        if event.step_state == StepState.RUNNING:
            self._running[event.name] = self._ms()
        elif event.step_state == StepState.NOT_RUNNING and event.name in self._running:
            self.marks[f"{event.name}_ms"] = round(self._ms() - self._running[event.name], 1)

    def timings(self) -> dict[str, float]:
        total = self._ms()
        return {
            "retrieval_ms": self.marks.get("retrieval_ms", total),
            "first_token_ms": self.marks.get("first_token_ms", total),
            "total_ms": total,
            **{k: v for k, v in self.marks.items() if k not in ("retrieval_ms", "first_token_ms")},
        }
