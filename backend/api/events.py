"""`GET /api/events`: document changes as server-sent events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from fastapi import APIRouter
from sse_starlette.sse import EventSourceResponse

from backend.api.deps import EventBusDep

router = APIRouter()


@router.get("/api/events")
async def document_events(bus: EventBusDep) -> EventSourceResponse:
    async def stream() -> AsyncIterator[dict[str, str]]:
        async for event in bus.subscribe():
            name = str(event.get("type", "document"))  # the e5 pass's progress has its own
            yield {"event": name, "data": json.dumps(event, ensure_ascii=False)}

    return EventSourceResponse(stream(), ping=15)
