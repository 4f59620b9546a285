"""Ten people asking at once: first-token latency when 10 chats stream concurrently."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from scripts.bench.common import AUTH, Server, chat_once, summary
from scripts.bench.corpus import Question


def concurrent_chats(
    server: Server,
    questions: list[Question],
    kb_ids: list[str] | None,
    users: int = 10,
    rounds: int = 5,
    max_seconds: float = 300,
) -> dict[str, object]:
    """`users` clients, each asking `rounds` questions back to back, all at the same time."""
    started = time.monotonic()

    def user(n: int) -> list[float]:
        out = []
        with httpx.Client(base_url=server.url, headers=AUTH, timeout=120) as client:
            for r in range(rounds):
                if time.monotonic() - started > max_seconds:
                    break
                q = questions[(n * rounds + r) % len(questions)]
                t = chat_once(client, q.text, kb_ids)
                if t.first_token_ms is not None:
                    out.append(t.first_token_ms)
        return out

    with ThreadPoolExecutor(users) as pool:
        results = list(pool.map(user, range(users)))
    wall = time.monotonic() - started
    times = [t for r in results for t in r]
    return {
        "users": users,
        "first_token_ms": summary(times),
        "chats_per_s": round(len(times) / wall, 1),
    }
