"""Reopening a filled data dir: launcher start to /api/health, to the first answered
question, resident memory (server and its children, from /proc) and size on disk."""

from __future__ import annotations

import time
from pathlib import Path

from scripts.bench.common import Server, chat_once, du_mb
from scripts.bench.corpus import Question


def reopen(
    data_dir: Path,
    env: dict[str, str],
    questions: list[Question],
    kb_ids: list[str] | None,
    timeout: float = 300,
) -> tuple[Server, dict[str, object]]:
    """Start a server on an existing data dir; the caller stops the returned server."""
    started = time.perf_counter()
    server = Server(data_dir, env, timeout=timeout)
    health_s = time.perf_counter() - started
    idle_rss = server.rss_mb()
    first = chat_once(server.client, questions[0].text, kb_ids)
    first_answer_s = time.perf_counter() - started
    for q in questions[1:10]:  # settle: memory after a few real queries
        chat_once(server.client, q.text, kb_ids)
    return server, {
        "health_s": round(health_s, 2),
        "first_answer_s": round(first_answer_s, 2),
        "first_query_ms": first.first_token_ms,
        "rss_idle_mb": idle_rss,
        "rss_mb": server.rss_mb(),
        "disk_mb": du_mb(data_dir),
        "qdrant_disk_mb": du_mb(data_dir / "qdrant"),
    }
