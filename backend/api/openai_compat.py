"""Our own OpenAI-compatible API over the knowledge bases, so that any OpenAI client can ask
them. A thin adapter: the chat service's events, reshaped as OpenAI completions."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette import ServerSentEvent
from sse_starlette.sse import EventSourceResponse

from backend.api.deps import ChatDep, KnowledgeModelsDep
from backend.api.streaming import ready_events
from backend.errors import Invalid
from backend.rag.llm.generation import Turn
from backend.services.chat_events import (
    AnswerDone,
    AnswerFailed,
    ChatEvent,
    ChatRequest,
    ChatTurn,
    SessionStarted,
    SourcesFound,
    TokenDelta,
    whole_answer,
)
from backend.store.clock import new_id

router = APIRouter(prefix="/v1")
MAX_QUESTION = 10_000


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    role: str
    content: str | list[dict[str, Any]] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(str(p.get("text", "")) for p in self.content if p.get("type") == "text")
        return self.content or ""


class CompletionBody(BaseModel):
    model_config = ConfigDict(extra="ignore")
    model: str = Field(min_length=1, max_length=200)
    messages: list[MessageIn] = Field(min_length=1, max_length=1000)
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    # wow-rag's own: continue a saved session, search more or fewer passages.
    session_id: str | None = Field(default=None, max_length=64)
    top_k: int | None = Field(default=None, ge=1, le=50)

    def to_request(self, kb_ids: list[str] | None) -> ChatRequest:
        users = [i for i, m in enumerate(self.messages) if m.role == "user"]
        question = self.messages[users[-1]].text().strip() if users else ""
        if not question or len(question) > MAX_QUESTION:
            raise Invalid(
                "The last user message must hold 1 to 10,000 characters.", code="invalid_request"
            )
        history = [
            Turn(m.role, m.text())  # type: ignore[arg-type]
            for m in self.messages[: users[-1]]
            if m.role in ("user", "assistant") and m.text()
        ]
        return ChatRequest(question, self.session_id, kb_ids, self.top_k, history)


class Completion:
    """One answer in the OpenAI shapes: chunks while streaming, or the whole at the end."""

    def __init__(self, model: str, turn: ChatTurn, include_usage: bool = False) -> None:
        self.model, self.turn, self.include_usage = model, turn, include_usage
        self.id, self.created = f"chatcmpl-{new_id()}", int(time.time())
        self.sources: list[dict[str, object]] = []

    def _chunk(
        self, delta: dict[str, Any], finish: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            **extra,
        }

    def chunks(self, event: ChatEvent) -> list[dict[str, Any]]:
        if isinstance(event, SessionStarted):
            return [self._chunk({"role": "assistant", "content": ""})]
        if isinstance(event, SourcesFound):
            self.sources = event.sources
        elif isinstance(event, TokenDelta):
            return [self._chunk({"content": event.delta})]
        elif isinstance(event, AnswerDone):
            last = [self._chunk({}, "stop", **self._extras(event))]
            if self.include_usage:
                last.append({**self._chunk({}), "choices": [], "usage": _usage(event.usage)})
            return last
        elif isinstance(event, AnswerFailed):
            return [
                {"error": {"code": event.code, "message": event.message, "type": "server_error"}}
            ]
        return []

    def _extras(self, done: AnswerDone) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "citations": done.citations,
            "session_id": self.turn.session_id,
        }

    async def whole(self, events: AsyncIterator[ChatEvent]) -> dict[str, Any]:
        answer = await whole_answer(events)
        self.sources = answer.sources
        return {
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": "stop",
                    "message": {"role": "assistant", "content": answer.done.answer},
                }
            ],
            "usage": _usage(answer.done.usage),
            **self._extras(answer.done),
        }


def _usage(usage: dict[str, int] | None) -> dict[str, int]:
    usage = usage or {}
    prompt, completion = usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": usage.get("total_tokens", prompt + completion),
    }


@router.get("/models")
async def list_models(models: KnowledgeModelsDep) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {
                "id": m.id,
                "object": "model",
                "owned_by": "wow-rag",
                "description": m.description,
                "created": _epoch(m.created_at),
            }
            for m in models.all()
        ],
    }


@router.post("/chat/completions", response_model=None)
async def chat_completions(
    body: CompletionBody,
    chat: ChatDep,
    models: KnowledgeModelsDep,
) -> EventSourceResponse | dict[str, Any]:
    turn = chat.open_turn(body.to_request(models.kb_ids(body.model)))
    include_usage = bool((body.stream_options or {}).get("include_usage"))
    completion = Completion(body.model, turn, include_usage)
    if not body.stream:
        return await completion.whole(chat.stream(turn))

    async def lines() -> AsyncIterator[bytes]:
        async for batch in ready_events(chat.stream(turn)):
            yield b"".join(
                ServerSentEvent(json.dumps(chunk, ensure_ascii=False), sep="\n").encode()
                for event in batch
                for chunk in completion.chunks(event)
            )
        yield ServerSentEvent("[DONE]", sep="\n").encode()

    return EventSourceResponse(lines(), ping=15, sep="\n", headers={"X-Accel-Buffering": "no"})


def _epoch(iso: str) -> int:
    try:
        return int(datetime.fromisoformat(iso).timestamp())
    except ValueError:
        return 0
