"""The SQLite store: migrations on a fresh database, reopening, WAL, cascades."""

from __future__ import annotations

from backend.store.db import Database
from backend.store.documents import DocumentRepository
from backend.store.knowledge_bases import KnowledgeBaseRepository
from backend.store.migrations import MIGRATIONS
from backend.store.models import DocumentStatus
from backend.store.sessions import SessionRepository


def test_fresh_database_migrates_once_to_the_latest_version(tmp_path):
    path = tmp_path / "db.sqlite3"
    db = Database(path)
    assert db.version == len(MIGRATIONS)
    assert db.scalar("PRAGMA journal_mode") == "wal"
    db.close()
    again = Database(path)
    try:
        assert again.version == len(MIGRATIONS)
        assert again.scalar("SELECT COUNT(*) FROM schema_version") == len(MIGRATIONS)
        assert again.scalar("PRAGMA integrity_check") == "ok"
    finally:
        again.close()


def test_deleting_a_kb_cascades_to_its_documents(tmp_path):
    db = Database(tmp_path / "db.sqlite3")
    try:
        kbs, docs = KnowledgeBaseRepository(db), DocumentRepository(db)
        kb = kbs.create("手册", "", "usem3", 512)
        doc = docs.create(kb.id, "a.txt", "x.bin", 3, "abc", DocumentStatus.QUEUED)
        assert kbs.get(kb.id).document_count == 1
        kbs.delete(kb.id)
        assert docs.find(doc.id) is None
    finally:
        db.close()


def test_messages_keep_their_order_and_partial_answers(tmp_path):
    db = Database(tmp_path / "db.sqlite3")
    try:
        sessions = SessionRepository(db)
        session = sessions.create("t", [])
        sessions.add_message(session.id, "user", "q")
        answer = sessions.add_message(session.id, "assistant", "", status="streaming")
        sessions.update_message(answer, "partial", status="streaming")
        assert sessions.stop_interrupted() == 1
        roles = [(m.role, m.content, m.status) for m in sessions.messages(session.id)]
        assert roles == [("user", "q", "done"), ("assistant", "partial", "stopped")]
    finally:
        db.close()
