"""The chat pipeline as a LlamaIndex Workflow (`llama-index-workflows`): one step per stage.

    condense  the follow-up becomes a question that stands on its own
    retrieve  passages from the knowledge bases, and the one relevance judgement per turn
    answer    the answerer's text deltas

What a person sees leaves through the workflow's event stream (`SourcesReady`, then one
`AnswerToken` per delta, written with `ctx.write_event_to_stream`); the run's result is
the answerer's token usage. The chat service consumes the stream and maps it to its
domain events. Stopping the run cancels the answer step, whose `aclosing` closes the
answerer's stream, and with it the model server's connection.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from typing import Any, Protocol

from pydantic import ConfigDict, SkipValidation
from workflows import Context, Workflow, step
from workflows.events import Event, StartEvent, StopEvent

from backend.errors import GenerationError
from backend.rag.llm.generation import AnswerGenerator, AnswerRequest, Turn, detect_language
from backend.rag.passage import Passage
from backend.rag.relevance import Judgement, judge
from backend.services.chat_events import ChatTurn

log = logging.getLogger(__name__)
STEPS = ("condense", "retrieve", "answer")


class PassageRetriever(Protocol):
    """What the retrieve step asks: the app's HybridRetriever, or the same one seen
    through LlamaIndex's retriever interface (backend/rag/llamaindex.py)."""

    def retrieve(
        self,
        question: str,
        kb_ids: list[str] | None,
        top_k: int,
        hybrid: bool = True,
        focus: str | None = None,
    ) -> list[Passage]: ...


# Events carry the turn's own objects (the answerer, passages) as they are: SkipValidation,
# so not copied nor validated again; a run lives in this process and is never serialized.


class TurnStarted(StartEvent):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    turn: SkipValidation[ChatTurn]
    generator: SkipValidation[Any]  # an AnswerGenerator; a Protocol is no pydantic type
    hybrid: bool = True


class QuestionCondensed(Event):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    turn: SkipValidation[ChatTurn]
    generator: SkipValidation[Any]
    hybrid: bool
    query: str


class PassagesJudged(Event):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    turn: SkipValidation[ChatTurn]
    generator: SkipValidation[Any]
    judgement: SkipValidation[Judgement]


class SourcesReady(Event):
    """Streamed: the passages the answer may cite (none when nothing is relevant)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    passages: SkipValidation[list[Passage]]


class AnswerToken(Event):
    """Streamed: one text delta of the answer."""

    delta: str


class ChatWorkflow(Workflow):
    def __init__(self, retriever: PassageRetriever) -> None:
        # No run timeout: a local model may take minutes, and Stop ends a run at once.
        super().__init__(timeout=None)
        self.retriever = retriever

    @step
    async def condense(self, ev: TurnStarted) -> QuestionCondensed:
        query = await standalone_question(ev.generator, ev.turn)
        return QuestionCondensed(
            turn=ev.turn, generator=ev.generator, hybrid=ev.hybrid, query=query
        )

    @step
    async def retrieve(self, ctx: Context, ev: QuestionCondensed) -> PassagesJudged:
        turn = ev.turn
        passages = await asyncio.to_thread(
            self.retriever.retrieve, ev.query, turn.kb_ids, turn.top_k, ev.hybrid, turn.question
        )
        judgement = judge(turn.question, passages)
        ctx.write_event_to_stream(SourcesReady(passages=judgement.passages))
        return PassagesJudged(turn=turn, generator=ev.generator, judgement=judgement)

    @step
    async def answer(self, ctx: Context, ev: PassagesJudged) -> StopEvent:
        turn, judgement = ev.turn, ev.judgement
        generator: AnswerGenerator = ev.generator
        request = AnswerRequest(
            turn.question, judgement.passages, turn.history, detect_language(turn.question)
        )
        # Nothing to answer from: the judgement's reply, and no model is called.
        if judgement.verdict == "answer":
            replies = generator.stream(request)
        else:
            replies = _said(judgement.reply)
        # aclosing: a stopped run closes the model's stream (and its connection) now,
        # not whenever the garbage collector gets to it.
        async with aclosing(replies) as deltas:
            async for delta in deltas:
                ctx.write_event_to_stream(AnswerToken(delta=delta))
        return StopEvent(result=getattr(generator, "last_usage", None))


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


async def standalone_question(generator: AnswerGenerator, turn: ChatTurn) -> str:
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


async def _said(text: str) -> AsyncGenerator[str, None]:
    yield text
