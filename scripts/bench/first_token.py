"""Time to the first answer token through /api/chat/stream, as the client sees it, with the
extractive answerer and with an instant scripted LLM (an OpenAI-compatible upstream on
loopback that answers at once); also the answers' hit rate on the corpus questions and how
often the passage ranked first holds the fact."""

from __future__ import annotations

import time

from scripts.bench.common import ASK_PAUSE_S, Server, chat_once, summary
from scripts.bench.corpus import Question
from scripts.bench.instant_llm import SCRIPT_MARK, InstantUpstream

# Warm-up questions outside the measured set: a measured question must not find its
# vector cached by the warm-up.
WARM_UP = ["这个知识库里有哪些文件？", "What is in this knowledge base?", "员工手册讲了什么？"]


def ask_all(
    server: Server, questions: list[Question], kb_ids: list[str] | None, max_seconds: float = 600
) -> dict[str, object]:
    """Each question once, after a few warm-up questions; bounded by max_seconds."""
    first, retrieval, server_first, first_event, hits, top1 = [], [], [], [], 0, 0
    started = time.monotonic()
    for text in WARM_UP:
        chat_once(server.client, text, kb_ids)
    timed_out = False
    for q in questions:
        if time.monotonic() - started > max_seconds:
            timed_out = True
            break
        time.sleep(ASK_PAUSE_S)
        t = chat_once(server.client, q.text, kb_ids)
        if t.first_token_ms is not None:
            first.append(t.first_token_ms)
        retrieval.append(float(t.server.get("retrieval_ms", 0)))
        server_first.append(float(t.server.get("first_token_ms", 0)))
        if t.first_event_ms is not None:
            first_event.append(t.first_event_ms)
        hits += q.expected in t.answer
        top1 += q.expected in t.top_source
    return {
        "first_token_ms": summary(first),
        "server_retrieval_ms": summary(retrieval),
        "server_first_token_ms": summary(server_first),
        "first_event_ms": summary(first_event),
        "hit_rate": round(hits / max(len(first), 1), 2),
        "top1_rate": round(top1 / max(len(first), 1), 2),
        "timed_out": timed_out,
    }


def with_scripted_llm(
    server: Server, questions: list[Question], kb_ids: list[str] | None, max_seconds: float = 600
) -> dict[str, object]:
    """Point the server at an instant upstream, measure, then switch back to extractive."""
    with InstantUpstream(tokens=20) as upstream:
        response = server.client.put(
            "/api/settings",
            json={
                "llm": {
                    "provider": "openai_compatible",
                    "base_url": upstream.base_url,
                    "model": "instant",
                    "api_key": "none",
                }
            },
        )
        try:
            if response.status_code != 200:
                return {"skipped": f"PUT /api/settings answered {response.status_code}"}
            probe = chat_once(server.client, questions[0].text, kb_ids)
            if SCRIPT_MARK not in probe.answer:
                return {
                    "skipped": "the server did not use the configured upstream "
                    "(openai_compatible provider not wired in this build)"
                }
            result = ask_all(server, questions, kb_ids, max_seconds)
            result.pop("hit_rate")
            result.pop("top1_rate")
            return result
        finally:
            server.client.put("/api/settings", json={"llm": {"provider": "extractive"}})
