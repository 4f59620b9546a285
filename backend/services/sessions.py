"""Chat history: list, rename, delete, export a conversation as Markdown with its sources."""

from __future__ import annotations

from backend.store.models import ChatSession
from backend.store.sessions import SessionRepository


class SessionService:
    def __init__(self, repo: SessionRepository) -> None:
        self.repo = repo

    def all(self) -> list[ChatSession]:
        return self.repo.all()

    def get(self, session_id: str) -> ChatSession:
        return self.repo.get(session_id, with_messages=True)

    def update(self, session_id: str, title: str | None, kb_ids: list[str] | None) -> ChatSession:
        return self.repo.update(session_id, title, kb_ids)

    def delete(self, session_id: str) -> None:
        self.repo.delete(session_id)

    def export_markdown(self, session_id: str) -> tuple[str, str]:
        """(file name, Markdown text) of one conversation."""
        session = self.get(session_id)
        lines = [f"# {session.title}", "", f"_{session.created_at}_", ""]
        for message in session.messages:
            who = "**You**" if message.role == "user" else "**wow-rag**"
            note = " _(stopped)_" if message.status == "stopped" else ""
            lines += [f"{who}{note}", "", message.content or "", ""]
            if message.sources:
                lines.append("Sources:")
                for source in message.sources:
                    page = f", p. {source['page']}" if source.get("page") else ""
                    quote = " ".join(str(source.get("text", "")).split())[:300]
                    lines.append(
                        f"- [{source.get('index')}] {source.get('filename')}{page}: > {quote}"
                    )
                lines.append("")
        safe = "".join(ch for ch in session.title if ch.isalnum() or ch in " -_")[:50].strip()
        return f"{safe or 'conversation'}.md", "\n".join(lines)
