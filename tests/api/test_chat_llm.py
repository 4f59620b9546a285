"""/api/chat/stream with a real model server behind it (a scripted one on loopback): what
reaches the prompt, what reaches the client, Stop, failures, and concurrent sessions."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import AUTH, read_sse
from tests.fakes import FakeLlm, dead_url, served_app

KEY = "sk-chat-secret-456"
RULES = (
    "# Library rules\n## Borrowing\nBooks may be borrowed for 21 days.\n"
    "## Renewals\nA borrowed book can be renewed twice, online or at the desk.\n"
    "## Fines\nLate books cost 20 cents a day.\n"
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[served_app]:
    with served_app(Path(tmp_path_factory.mktemp("chat-llm"))) as served:
        assert served.client.get("/api/settings").json()["llm"]["provider"] == "extractive"
        served.kb_id = served.add_kb("library", {"rules.md": RULES})  # type: ignore[attr-defined]
        yield served


@pytest.fixture
def llm(app: served_app, upstream: FakeLlm) -> FakeLlm:
    upstream.reset()
    app.use_llm(**upstream.settings(api_key=KEY, timeout_s=10))
    return upstream


def ask(app: served_app, question: str, **extra: Any) -> list[dict[str, Any]]:
    with app.client.stream(
        "POST", "/api/chat/stream", json={"question": question, **extra}
    ) as answer:
        assert answer.status_code == 200, answer.read()
        return read_sse(answer.iter_lines())


def messages(app: served_app, session_id: str) -> list[dict[str, Any]]:
    return list(app.client.get(f"/api/sessions/{session_id}").json()["messages"])


def test_passages_reach_the_prompt_and_tokens_reach_the_client(app, llm):
    events = ask(app, "How long can I borrow a book?")
    names = [e["event"] for e in events]
    assert names[:2] == ["session", "sources"] and names[-1] == "done"
    prompt = llm.completions(stream=True)[-1].body["messages"]
    assert "Books may be borrowed for 21 days." in prompt[0]["content"]
    assert prompt[-1] == {"role": "user", "content": "How long can I borrow a book?"}
    tokens = [e["delta"] for e in events if e["event"] == "token"]
    assert "".join(tokens) == "".join(llm.script.tokens)
    done = events[-1]
    assert done["answer"] == "".join(llm.script.tokens) and done["citations"] == [1]
    assert done["usage"] == llm.script.usage
    # The contract's three, and how long each step of the chat Workflow ran: observed from
    # the workflow's own step events, so the turn really ran through it.
    steps = {"condense_ms", "retrieve_ms", "answer_ms"}
    assert set(done["timings"]) == {"retrieval_ms", "first_token_ms", "total_ms"} | steps
    saved = messages(app, events[0]["session_id"])
    assert [(m["role"], m["status"]) for m in saved] == [("user", "done"), ("assistant", "done")]


def test_follow_up_is_condensed_with_the_earlier_turn(app, llm):
    first = ask(app, "How long can I borrow a book?")
    session_id = first[0]["session_id"]
    llm.reset(reply="Can a borrowed library book be renewed?")
    second = ask(app, "Can I do that again?", session_id=session_id)
    condense = llm.completions(stream=False)[-1].body["messages"][-1]["content"]
    assert "How long can I borrow a book?" in condense and "Can I do that again?" in condense
    answer_prompt = llm.completions(stream=True)[-1].body["messages"]
    assert {"role": "user", "content": "How long can I borrow a book?"} in answer_prompt
    assert answer_prompt[-1]["content"] == "Can I do that again?"
    sources = next(e for e in second if e["event"] == "sources")["sources"]
    assert "renewed twice" in sources[0]["text"]


def test_two_thousand_instant_tokens_arrive_as_a_typing_stream(app, llm):
    tokens = [f"w{i} " for i in range(2000)]
    llm.reset(tokens=tokens)
    reads = 0
    with app.client.stream("POST", "/api/chat/stream", json={"question": "Fines?"}) as answer:
        body = b""
        for raw in answer.iter_raw():
            reads += 1
            body += raw
    events = read_sse(iter(body.decode().splitlines()))
    relayed = [e["delta"] for e in events if e["event"] == "token"]
    # Deltas that arrived together may leave as one event; the text is the same, in order.
    assert "".join(relayed) == "".join(tokens)
    assert len(relayed) > 1 and reads > 2, f"{len(relayed)} token events in {reads} reads"


def test_the_tutorials_plain_text_stream_spaces_fast_tokens_too(app, llm):
    tokens = [f"w{i} " for i in range(300)]
    llm.reset(tokens=tokens, delay_s=0.001)
    with app.client.stream("GET", "/stream_chat", params={"param": "Fines?"}) as answer:
        chunks = list(answer.iter_raw())
    assert b"".join(chunks).decode() == "".join(tokens)
    # A token a millisecond, one write each, is 300 writes; spaced writes are far fewer.
    assert 1 < len(chunks) < 150, f"{len(chunks)} chunks"


def test_tokens_at_reading_speed_are_not_held_back(app, llm):
    # 100 ms apart, far above the 4 ms write spacing: tokens leave as they come. A machine
    # stalled for longer than a gap may join two, so most, not all, must leave alone.
    tokens = [f"w{i} " for i in range(10)]
    llm.reset(tokens=tokens, delay_s=0.1)
    relayed = [e["delta"] for e in ask(app, "Fines?") if e["event"] == "token"]
    assert "".join(relayed) == "".join(tokens)
    assert len(relayed) >= len(tokens) - 2, relayed


def test_disconnect_closes_the_upstream_and_saves_the_partial_answer_once(app, llm):
    llm.reset(tokens=[f"part{i} " for i in range(500)], delay_s=0.02)
    seen: list[str] = []
    with (
        httpx.Client(base_url=app.url, headers=AUTH, timeout=10) as client,
        client.stream(
            "POST", "/api/chat/stream", json={"question": "How long can I borrow a book?"}
        ) as answer,
    ):
        lines = answer.iter_lines()
        for event in _events(lines):
            if event["event"] == "session":
                session_id = event["session_id"]
            if event["event"] == "token":
                seen.append(event["delta"])
                if len(seen) == 5:
                    break
    closed = time.monotonic()
    record = llm.completions(stream=True)[-1]
    deadline = closed + 1.0
    while record.disconnected is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert record.disconnected is not None and record.disconnected - closed < 1.0
    saved = _wait_for_answer(app, session_id)
    assistant = [m for m in saved if m["role"] == "assistant"]
    assert len(assistant) == 1 and assistant[0]["status"] == "stopped"
    assert assistant[0]["content"].startswith("".join(seen))
    assert len(assistant[0]["content"]) < len("".join(llm.script.tokens))


def _events(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    block: list[str] = []
    for line in lines:
        block.append(line)
        if line == "":
            yield from read_sse(iter(block))
            block = []


def _wait_for_answer(app: served_app, session_id: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        saved = messages(app, session_id)
        if any(m["role"] == "assistant" for m in saved):
            return saved
        time.sleep(0.05)
    raise AssertionError("the answer was never saved")


def test_dead_upstream_gives_an_error_event_at_once(app, llm):
    app.use_llm(base_url=dead_url(), api_key=KEY)
    started = time.monotonic()
    events = ask(app, "How long can I borrow a book?")
    assert time.monotonic() - started < 5
    assert events[-1]["event"] == "error" and events[-1]["code"] == "llm_unreachable"
    saved = messages(app, events[0]["session_id"])
    assert saved[-1]["role"] == "assistant" and saved[-1]["status"] == "error"


def test_refused_key_gives_llm_auth_failed_without_the_key(app, llm):
    llm.reset(status=401, error=f"Incorrect API key provided: {KEY}")
    events = ask(app, "How long can I borrow a book?")
    assert events[-1]["event"] == "error" and events[-1]["code"] == "llm_auth_failed"
    assert KEY not in events[-1]["message"]
    assert KEY not in app.client.get("/api/settings").text


def test_slow_upstream_gives_llm_timeout(app, llm):
    app.use_llm(timeout_s=0.3)
    llm.reset(first_byte_delay_s=2)
    started = time.monotonic()
    events = ask(app, "How long can I borrow a book?")
    assert events[-1]["event"] == "error" and events[-1]["code"] == "llm_timeout"
    assert time.monotonic() - started < 2


def test_concurrent_sessions_never_mix_tokens(app, llm):
    def tokens_for(body: dict[str, Any]) -> list[str]:
        mark = "A" if "alpha" in body["messages"][-1]["content"] else "B"
        return [f"{mark}{i} " for i in range(60)]

    llm.reset(tokens_for=tokens_for, delay_s=0.005)
    answers: dict[str, str] = {}

    def run(word: str) -> None:
        with (
            httpx.Client(base_url=app.url, headers=AUTH, timeout=30) as client,
            client.stream(
                "POST",
                "/api/chat/stream",
                json={"question": f"For how many days can {word} borrow books?"},
            ) as answer,
        ):
            events = read_sse(answer.iter_lines())
        answers[word] = "".join(e["delta"] for e in events if e["event"] == "token")

    threads = [threading.Thread(target=run, args=(w,)) for w in ("alpha", "beta")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert answers["alpha"] == "".join(f"A{i} " for i in range(60))
    assert answers["beta"] == "".join(f"B{i} " for i in range(60))
