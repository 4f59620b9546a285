"""Chat sessions and their messages in SQLite.

The chat history is worth less than the answer: a write the full disk refuses is noted
(`not_saved`) instead of raised, so that the question is still answered, with a warning.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from backend.errors import NotFound
from backend.store.clock import new_id, now_iso
from backend.store.db import Database
from backend.store.disk_full import is_disk_full
from backend.store.models import ChatSession, Message

log = logging.getLogger(__name__)


def _session(row: sqlite3.Row) -> ChatSession:
    data = dict(row)
    data["kb_ids"] = json.loads(data["kb_ids"])
    return ChatSession(**data)


def _message(row: sqlite3.Row) -> Message:
    data = dict(row)
    data.pop("seq", None)
    data["sources"] = json.loads(data["sources"])
    return Message(**data)


class SessionRepository:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._refused: set[str] = set()  # sessions and messages the full disk refused

    def not_saved(self, *keys: str) -> bool:
        """Whether a write for any of these sessions or messages met a full disk."""
        return any(key in self._refused for key in keys)

    @contextmanager
    def _unless_full(self, *keys: str) -> Iterator[None]:
        try:
            yield
        except Exception as exc:
            if not is_disk_full(exc):
                raise
            log.warning("chat history not saved, the disk is full: %s", exc)
            self._refused.update(keys)

    def all(self) -> list[ChatSession]:
        rows = self.db.query("SELECT * FROM sessions ORDER BY updated_at DESC, rowid DESC")
        return [_session(r) for r in rows]

    def get(self, session_id: str, with_messages: bool = False) -> ChatSession:
        row = self.db.one("SELECT * FROM sessions WHERE id = ?", (session_id,))
        if row is None:
            raise NotFound(f"Session {session_id!r} does not exist.", code="session_not_found")
        session = _session(row)
        if with_messages:
            session.messages = self.messages(session_id)
        return session

    def create(self, title: str, kb_ids: list[str]) -> ChatSession:
        session_id, now = new_id(), now_iso()
        with self._unless_full(session_id):
            self.db.execute(
                "INSERT INTO sessions (id, title, kb_ids, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (session_id, title, json.dumps(kb_ids), now, now),
            )
        if self.not_saved(session_id):
            return ChatSession(session_id, title, kb_ids, now, now)
        return self.get(session_id)

    def update(self, session_id: str, title: str | None, kb_ids: list[str] | None) -> ChatSession:
        session = self.get(session_id)
        with self._unless_full(session_id):
            if title is not None:
                self.db.execute("UPDATE sessions SET title = ? WHERE id = ?", (title, session_id))
            if kb_ids is not None:
                self.db.execute(
                    "UPDATE sessions SET kb_ids = ? WHERE id = ?", (json.dumps(kb_ids), session_id)
                )
            return self.get(session_id)
        return session

    def delete(self, session_id: str) -> None:
        self.get(session_id)
        self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def messages(self, session_id: str, last: int | None = None) -> list[Message]:
        if last is None:
            rows = self.db.query(
                "SELECT * FROM messages WHERE session_id = ? ORDER BY seq", (session_id,)
            )
        else:
            rows = self.db.query(
                "SELECT * FROM (SELECT * FROM messages WHERE session_id = ?"
                " ORDER BY seq DESC LIMIT ?) ORDER BY seq",
                (session_id, last),
            )
        return [_message(r) for r in rows]

    def add_message(
        self,
        session_id: str,
        role: str,
        content: str,
        *,
        message_id: str | None = None,
        sources: list[dict[str, Any]] | None = None,
        status: str = "done",
    ) -> str:
        message_id = message_id or new_id()
        now = now_iso()
        with self._unless_full(session_id, message_id), self.db.transaction() as conn:
            seq = conn.execute(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE session_id = ?",
                (session_id,),
            ).fetchone()[0]
            conn.execute(
                "INSERT INTO messages (id, session_id, role, content, sources, status,"
                " created_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    message_id,
                    session_id,
                    role,
                    content,
                    json.dumps(sources or [], ensure_ascii=False),
                    status,
                    now,
                    seq,
                ),
            )
            conn.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))
        return message_id

    def update_message(
        self,
        message_id: str,
        content: str,
        *,
        status: str,
        sources: list[dict[str, Any]] | None = None,
    ) -> None:
        with self._unless_full(message_id):
            if sources is None:
                self.db.execute(
                    "UPDATE messages SET content = ?, status = ? WHERE id = ?",
                    (content, status, message_id),
                )
            else:
                self.db.execute(
                    "UPDATE messages SET content = ?, status = ?, sources = ? WHERE id = ?",
                    (content, status, json.dumps(sources, ensure_ascii=False), message_id),
                )

    def stop_interrupted(self) -> int:
        """Answers that were streaming when the app died are kept, marked stopped (at the
        next start with room, when the disk is full now)."""
        with self._unless_full():
            return self.db.execute(
                "UPDATE messages SET status = 'stopped' WHERE status = 'streaming'"
            )
        return 0

    def remove_kb(self, kb_id: str) -> None:
        """Drop a deleted knowledge base from every session's scope."""
        for session in self.all():
            if kb_id in session.kb_ids:
                self.update(session.id, None, [k for k in session.kb_ids if k != kb_id])
