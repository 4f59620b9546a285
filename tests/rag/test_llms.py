"""The LLM adapters against a real HTTP model server on loopback: the prompt they send, the
text they relay, the errors they give, and that cancelling closes the upstream request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from backend.rag.llm.generation import AnswerRequest, GenerationError, Turn
from backend.rag.llm.gguf import LlamaCppGenerator, LocalModels
from backend.rag.llm.model_server import Endpoint, HttpClients, api_root
from backend.rag.llm.openai_compatible import OpenAICompatibleGenerator, stream_deltas
from backend.rag.llm.prompts import ThinkFilter, standalone_question
from backend.rag.passage import Passage
from tests.fakes import FakeLlm, dead_url, served_llm

KEY = "sk-test-secret-123"


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeLlm]:
    with served_llm() as fake:
        yield fake


def passage(index: int, text: str, filename: str = "rules.md") -> Passage:
    return Passage(
        index=index,
        kb_id="kb",
        doc_id="d",
        filename=filename,
        page=None,
        text=text,
        heading="",
        score=1.0,
        dense=0.5,
        coverage=0.5,
    )


def generator(url: str, timeout_s: float = 5.0, key: str = KEY) -> OpenAICompatibleGenerator:
    return OpenAICompatibleGenerator(Endpoint(url, key, timeout_s), "fake-model", 0.2, 256)


REQUEST = AnswerRequest(
    "How long can I borrow a book?",
    [passage(1, "Books may be borrowed for 21 days."), passage(2, "Renewals are allowed twice.")],
    [Turn("user", "Where is the library?"), Turn("assistant", "On Main Street [1].")],
    "en",
)


async def collect(gen: OpenAICompatibleGenerator, request: AnswerRequest = REQUEST) -> list[str]:
    try:
        return [d async for d in gen.stream(request)]
    finally:
        await gen.close()


async def test_prompt_holds_passages_history_and_question(upstream):
    upstream.reset()
    await collect(generator(upstream.url + "/v1"))
    sent = upstream.completions(stream=True)[-1]
    messages = sent.body["messages"]
    assert messages[0]["role"] == "system"
    assert "[1] (rules.md)\nBooks may be borrowed for 21 days." in messages[0]["content"]
    assert "[2]" in messages[0]["content"] and "I don't know" in messages[0]["content"]
    assert messages[1:] == [
        {"role": "user", "content": "Where is the library?"},
        {"role": "assistant", "content": "On Main Street [1]."},
        {"role": "user", "content": "How long can I borrow a book?"},
    ]
    assert sent.body["model"] == "fake-model" and sent.body["stream"] is True
    assert sent.headers["authorization"] == f"Bearer {KEY}"


async def test_chinese_question_gets_chinese_prompt(upstream):
    upstream.reset()
    request = AnswerRequest("年假有几天？", [passage(1, "员工每年享有带薪年假十五天。")], [], "zh")
    await collect(generator(upstream.url + "/v1"), request)
    system = upstream.completions(stream=True)[-1].body["messages"][0]["content"]
    assert "我不知道" in system and "员工每年享有带薪年假十五天。" in system


async def test_relayed_text_equals_upstream_token_for_token(upstream):
    tokens = [
        "Books",
        " may",
        " be",
        " borrowed",
        " for",
        " 21",
        " days",
        " [1]",
        ".",
        " 借书",
        "三周",
        "。",
    ]
    # At a model's pace every token arrives in a read of its own and is its own delta.
    upstream.reset(tokens=tokens, delay_s=0.01)
    gen = generator(upstream.url + "/v1")
    assert await collect(gen) == tokens
    assert gen.last_usage == {"prompt_tokens": 42, "completion_tokens": 6, "total_tokens": 48}
    # At once, what arrived together is one delta: the same text in fewer steps.
    upstream.reset(tokens=tokens * 50)
    instant = generator(upstream.url + "/v1")
    deltas = await collect(instant)
    assert "".join(deltas) == "".join(tokens * 50) and len(deltas) < len(tokens * 50)
    assert instant.last_usage == gen.last_usage


async def test_base_url_without_v1_is_completed(upstream):
    upstream.reset(tokens=["ok"])
    assert await collect(generator(upstream.url)) == ["ok"]
    assert api_root("http://127.0.0.1:11434/") == "http://127.0.0.1:11434/v1"
    assert api_root("https://dashscope.aliyuncs.com/compatible-mode/v1/") == (
        "https://dashscope.aliyuncs.com/compatible-mode/v1"
    )


async def test_dead_upstream_is_unreachable_at_once():
    started = time.monotonic()
    with pytest.raises(GenerationError) as failure:
        await collect(generator(dead_url()))
    assert failure.value.code == "llm_unreachable"
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (401, "llm_auth_failed"),
        (403, "llm_auth_failed"),
        (404, "llm_model_not_found"),
        (429, "llm_rate_limited"),
        (500, "llm_error"),
    ],
)
async def test_status_codes_become_actionable_errors_without_the_key(upstream, status, code):
    upstream.reset(status=status, error=f"Incorrect API key provided: {KEY}")
    with pytest.raises(GenerationError) as failure:
        await collect(generator(upstream.url + "/v1"))
    assert failure.value.code == code
    assert KEY not in failure.value.message and "****" in failure.value.message


async def test_slow_upstream_times_out(upstream):
    upstream.reset(first_byte_delay_s=1.5)
    started = time.monotonic()
    with pytest.raises(GenerationError) as failure:
        await collect(generator(upstream.url + "/v1", timeout_s=0.3))
    assert failure.value.code == "llm_timeout"
    assert time.monotonic() - started < 1.2


async def test_cancelling_closes_the_upstream_request_within_a_second(upstream):
    upstream.reset(tokens=[f"t{i} " for i in range(400)], delay_s=0.02)
    # A pooled session, as in the app: closing the answer must close its connection,
    # since the session (and its pool) stays open.
    clients = HttpClients()
    gen = OpenAICompatibleGenerator(Endpoint(upstream.url + "/v1"), "fake-model", clients=clients)

    async def consume() -> None:
        async for _ in gen.stream(REQUEST):
            pass

    try:
        task = asyncio.ensure_future(consume())
        await asyncio.sleep(0.3)
        task.cancel()
        cancelled = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await task
        await gen.close()
        record = upstream.completions(stream=True)[-1]
        deadline = time.monotonic() + 1.0
        while record.disconnected is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert record.disconnected is not None, "the upstream never saw the client go"
        assert record.disconnected - cancelled < 1.0
    finally:
        await clients.aclose()


async def test_condense_sends_the_last_turns_and_returns_the_rewrite(upstream):
    upstream.reset(reply="Stand-alone question: Can a borrowed library book be renewed?")
    gen = generator(upstream.url + "/v1")
    try:
        rewritten = await gen.condense(
            "Can I renew it?",
            [
                Turn("user", "How long can I borrow a library book?"),
                Turn("assistant", "21 days [1]."),
            ],
        )
    finally:
        await gen.close()
    assert rewritten == "Can a borrowed library book be renewed?"
    sent = upstream.completions(stream=False)[-1].body
    assert sent["stream"] is False and sent["max_tokens"] <= 128
    assert "How long can I borrow a library book?" in sent["messages"][-1]["content"]
    assert "Can I renew it?" in sent["messages"][-1]["content"]


def test_standalone_question_falls_back_on_unusable_replies():
    rewrite = standalone_question("<think>hmm</think>\n续借期限是多久？", "能续借吗？")
    assert rewrite == "续借期限是多久？"
    assert standalone_question("", "Can I renew it?") == "Can I renew it?"
    assert standalone_question("x" * 5000, "Can I renew it?") == "Can I renew it?"


@pytest.mark.parametrize(
    "line", [b"data: {not json", b"data: [1, 2]", b'data: "text"', b"data: \xff\xfe"]
)
def test_a_stream_that_is_not_openai_json_is_a_model_error(line):
    with pytest.raises(GenerationError) as failure:
        stream_deltas([line], ThinkFilter())
    assert failure.value.code == "llm_error" and "OpenAI format" in failure.value.message


def test_odd_but_valid_chunks_carry_no_text():
    odd = [
        b'data: {"choices": "none"}',
        b'data: {"choices": [null]}',
        b'data: {"choices": [{"delta": {"content": 5}}]}',
        b'data: {"choices": [{"delta": {"content": "ok"}}], "usage": "n/a"}',
    ]
    assert stream_deltas(odd, ThinkFilter()) == ("ok", None, False)


def test_think_blocks_are_dropped_from_the_stream():
    think = ThinkFilter()
    pieces = ["<thi", "nk>let me", " see</thi", "nk>\n\nAnswer", " [1]"]
    out = "".join(think.feed(d) for d in pieces)
    assert out + think.flush() == "Answer [1]"
    plain = ThinkFilter()
    assert "".join(plain.feed(d) for d in ["<", "b>bold</b>"]) + plain.flush() == "<b>bold</b>"


async def test_llama_cpp_without_the_runtime_or_file_says_what_to_do(tmp_path):
    gen = LlamaCppGenerator(LocalModels(), str(tmp_path / "missing.gguf"))
    with pytest.raises(GenerationError) as failure:
        _ = [d async for d in gen.stream(REQUEST)]
    assert failure.value.code in ("llm_unavailable", "llm_model_not_found")


def test_http_clients_reuse_one_client_per_server_and_close_the_ones_they_drop():
    async def scenario() -> None:
        clients = HttpClients()
        first = clients.client(Endpoint("http://127.0.0.1:1/v1"))
        assert clients.client(Endpoint("http://127.0.0.1:1/v1")) is first
        others = [clients.client(Endpoint(f"http://127.0.0.1:{p}/v1")) for p in range(2, 7)]
        await asyncio.sleep(0)  # the dropped ones close in the background
        await asyncio.sleep(0)
        assert first.closed and others[0].closed
        assert not any(c.closed for c in others[1:])
        await clients.aclose()
        assert all(c.closed for c in others)

    asyncio.run(scenario())


async def test_a_reasoning_model_refusing_max_tokens_and_temperature_still_answers(upstream):
    upstream.reset(unsupported=("max_tokens", "temperature"))
    clients = HttpClients()
    try:
        first = OpenAICompatibleGenerator(
            Endpoint(upstream.url + "/v1"), "fake-model", 0.2, 256, clients
        )
        assert "".join(await collect(first)) == "".join(upstream.script.tokens)
        sent = [r.body for r in upstream.completions(stream=True)]
        assert len(sent) == 3 and "max_tokens" in sent[0] and "temperature" in sent[1]
        assert sent[-1]["max_completion_tokens"] == 256 and "temperature" not in sent[-1]
        # The next answer to the same model leaves them out from the start, condensing too.
        upstream.requests.clear()
        again = OpenAICompatibleGenerator(
            Endpoint(upstream.url + "/v1"), "fake-model", 0.2, 256, clients
        )
        assert await collect(again)
        await again.condense("And that?", [Turn("user", "How long can I borrow a book?")])
        assert len(upstream.completions()) == 2
        assert all("max_tokens" not in r.body for r in upstream.completions())
    finally:
        await clients.aclose()


async def test_a_refused_parameter_it_cannot_drop_is_reported(upstream):
    upstream.reset(unsupported=("messages",))
    with pytest.raises(GenerationError) as failure:
        await collect(generator(upstream.url + "/v1"))
    assert failure.value.code == "llm_error" and "messages" in failure.value.message
    assert len(upstream.completions()) == 1


async def test_proxy_variables_serve_remote_servers_only(upstream, monkeypatch):
    # The fake server doubles as the proxy: a request for a remote host arrives there
    # with the full address as its path.
    upstream.reset(tokens=["via", " proxy"])
    monkeypatch.setenv("HTTP_PROXY", upstream.url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    remote = generator("http://models.example.invalid/v1")
    assert "".join(await collect(remote)) == "via proxy"
    assert upstream.requests[-1].path == "http://models.example.invalid/v1/chat/completions"
    # A server on this machine is asked directly, even with a proxy that is down.
    monkeypatch.setenv("HTTP_PROXY", dead_url().removesuffix("/v1"))
    upstream.reset(tokens=["direct"])
    assert await collect(generator(upstream.url + "/v1")) == ["direct"]
    assert upstream.requests[-1].path == "/v1/chat/completions"


async def test_answers_reuse_the_connection_even_when_the_body_ends_after_done(upstream):
    # The end of the body lagging behind [DONE] left the connection unfinished, so it
    # was closed and the next answer paid a new handshake.
    upstream.reset(tokens=["a", "b"], end_delay_s=0.02)
    clients = HttpClients()
    try:
        for _ in range(3):
            gen = OpenAICompatibleGenerator(
                Endpoint(upstream.url + "/v1"), "fake-model", clients=clients
            )
            assert "".join(await collect(gen)) == "ab"
        assert len({r.client_port for r in upstream.completions()}) == 1
    finally:
        await clients.aclose()


async def test_a_body_left_open_after_done_is_closed_and_the_answer_ends(upstream):
    upstream.reset(tokens=["a", "b"], end_delay_s=5.0)
    clients = HttpClients()
    gen = OpenAICompatibleGenerator(Endpoint(upstream.url + "/v1"), "fake-model", clients=clients)
    try:
        started = time.monotonic()
        assert "".join(await collect(gen)) == "ab"
        assert time.monotonic() - started < 1.0
        record = upstream.completions()[-1]
        deadline = time.monotonic() + 1.0
        while record.disconnected is None and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert record.disconnected is not None, "the pooled connection was kept open"
    finally:
        await clients.aclose()
