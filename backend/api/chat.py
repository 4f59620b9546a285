"""Chat: the SSE stream, the whole answer at once, and the tutorials' plain-text stream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from sse_starlette import ServerSentEvent
from sse_starlette.sse import EventSourceResponse

from backend.api.deps import ChatDep
from backend.api.streaming import ready_events
from backend.schemas import SourceOut
from backend.services.chat import (
    AnswerDone,
    AnswerFailed,
    ChatEvent,
    ChatRequest,
    HistoryNotSaved,
    SessionStarted,
    SourcesFound,
    TokenDelta,
)

router = APIRouter()

EVENT_NAMES: dict[type, str] = {
    SessionStarted: "session",
    SourcesFound: "sources",
    TokenDelta: "token",
    AnswerDone: "done",
    AnswerFailed: "error",
    HistoryNotSaved: "warning",
}


class ChatBody(BaseModel):
    question: str = Field(min_length=1, max_length=10_000)
    session_id: str | None = Field(default=None, max_length=64)
    kb_ids: list[str] | None = Field(default=None, max_length=100)
    top_k: int | None = Field(default=None, ge=1, le=50)

    def to_request(self) -> ChatRequest:
        return ChatRequest(self.question, self.session_id, self.kb_ids, self.top_k)


class ChatAnswer(BaseModel):
    session_id: str
    answer: str
    sources: list[SourceOut]


def sse_event(event: ChatEvent) -> bytes:
    """One encoded SSE event; its data repeats the event's name as "type"."""
    name = EVENT_NAMES[type(event)]
    data = {"type": name, **{k: v for k, v in vars(event).items() if v is not None}}
    return ServerSentEvent(json.dumps(data, ensure_ascii=False), event=name, sep="\r\n").encode()


@router.post("/api/chat/stream")
async def chat_stream(body: ChatBody, chat: ChatDep) -> EventSourceResponse:
    turn = chat.open_turn(body.to_request())

    async def events() -> AsyncIterator[bytes]:
        async for batch in ready_events(chat.stream(turn)):
            yield b"".join(sse_event(e) for e in batch)

    return EventSourceResponse(events(), ping=15, headers={"X-Accel-Buffering": "no"})


@router.post("/api/chat")
async def chat_once(body: ChatBody, chat: ChatDep) -> ChatAnswer:
    session_id, answer, sources = await chat.answer(body.to_request())
    return ChatAnswer(
        session_id=session_id, answer=answer, sources=[SourceOut.model_validate(s) for s in sources]
    )


@router.get("/stream_chat")
async def stream_chat(
    chat: ChatDep, param: str = Query(min_length=1, max_length=10_000)
) -> StreamingResponse:
    turn = chat.open_turn(ChatRequest(question=param))

    async def text() -> AsyncIterator[str]:
        async for batch in ready_events(chat.stream(turn)):
            written = "".join(
                e.delta if isinstance(e, TokenDelta) else f"\n[{e.code}] {e.message}"
                for e in batch
                if isinstance(e, TokenDelta | AnswerFailed)
            )
            if written:
                yield written

    return StreamingResponse(
        text(),
        media_type="text/plain; charset=utf-8",
        headers={"X-Accel-Buffering": "no", "Cache-Control": "no-cache"},
    )
