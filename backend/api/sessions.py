"""Chat history."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from backend.api.deps import SessionsDep
from backend.schemas import SessionDetailOut, SessionOut

router = APIRouter(prefix="/api/sessions")


class SessionUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    kb_ids: list[str] | None = Field(default=None, max_length=100)


@router.get("")
async def list_sessions(sessions: SessionsDep) -> list[SessionOut]:
    return [SessionOut.of(s) for s in sessions.all()]


@router.get("/{session_id}")
async def get_session(session_id: str, sessions: SessionsDep) -> SessionDetailOut:
    return SessionDetailOut.of(sessions.get(session_id))


@router.patch("/{session_id}")
async def update_session(session_id: str, body: SessionUpdate, sessions: SessionsDep) -> SessionOut:
    return SessionOut.of(sessions.update(session_id, body.title, body.kb_ids))


@router.delete("/{session_id}", status_code=204)
async def delete_session(session_id: str, sessions: SessionsDep) -> Response:
    sessions.delete(session_id)
    return Response(status_code=204)


@router.get("/{session_id}/export")
async def export_session(session_id: str, sessions: SessionsDep) -> Response:
    filename, markdown = sessions.export_markdown(session_id)
    disposition = f"attachment; filename=\"conversation.md\"; filename*=UTF-8''{quote(filename)}"
    return Response(
        markdown,
        media_type="text/markdown; charset=utf-8",
        headers={"content-disposition": disposition},
    )
