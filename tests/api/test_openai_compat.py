"""/v1 as OpenAI clients see it: the real openai SDK (streaming and not) and LangChain's
ChatOpenAI ask a knowledge base through wow-rag, answered by the same chat service."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from langchain_core.messages import AIMessage, HumanMessage
from langchain_openai import ChatOpenAI

from tests.conftest import TOKEN
from tests.fakes import FakeLlm, served_app

RULES = (
    "# Library rules\n## Borrowing\nBooks may be borrowed for 21 days.\n"
    "## Renewals\nA borrowed book can be renewed twice, online or at the desk.\n"
)
MENU = "# Canteen\n## Lunch\nLunch is served from 11:30 to 13:30 in the canteen.\n"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[served_app]:
    with served_app(Path(tmp_path_factory.mktemp("v1"))) as served:
        served.add_kb("library", {"rules.md": RULES})
        served.add_kb("canteen", {"menu.md": MENU})
        yield served


@pytest.fixture
def extractive(app: served_app) -> served_app:
    app.use_llm(provider="extractive")
    return app


@pytest.fixture
def llm(app: served_app, upstream: FakeLlm) -> FakeLlm:
    upstream.reset()
    app.use_llm(**upstream.settings(api_key="sk-upstream", timeout_s=10))
    return upstream


def sdk(app: served_app) -> openai.OpenAI:
    return openai.OpenAI(base_url=app.url + "/v1", api_key=TOKEN, max_retries=0, timeout=30)


def test_models_lists_every_knowledge_base(app):
    ids = [m.id for m in sdk(app).models.list()]
    assert ids == ["wow-rag", "kb:library", "kb:canteen"]


def test_sdk_answer_from_one_knowledge_base(extractive):
    completion = sdk(extractive).chat.completions.create(
        model="kb:library", messages=[{"role": "user", "content": "How long can I borrow a book?"}]
    )
    answer = completion.choices[0].message.content or ""
    assert "21 days" in answer and "[1]" in answer
    assert completion.choices[0].finish_reason == "stop"
    sources = completion.model_extra["sources"]  # type: ignore[index]
    assert sources[0]["filename"] == "rules.md"


def test_sdk_streams_the_upstream_tokens(app, llm):
    llm.reset(delay_s=0.02)
    stream = sdk(app).chat.completions.create(
        model="wow-rag",
        stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "When is lunch served?"}],
    )
    chunks = list(stream)
    deltas = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    # At reading speed tokens leave as they come; a stalled machine may join a few.
    assert "".join(deltas) == "".join(llm.script.tokens) and len(deltas) > 1
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 48
    assert "11:30" in llm.completions(stream=True)[-1].body["messages"][0]["content"]


def test_history_in_the_messages_reaches_the_model(app, llm):
    llm.reset(reply="Can I extend how long I borrow a book?")  # the model's rewrite
    sdk(app).chat.completions.create(
        model="kb:library",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "How long can I borrow a book?"},
            {"role": "assistant", "content": "21 days [1]."},
            {"role": "user", "content": "Can I extend that?"},
        ],
    )
    condense = llm.completions(stream=False)[-1].body["messages"][-1]["content"]
    assert "How long can I borrow a book?" in condense
    prompt = llm.completions(stream=True)[-1].body["messages"]
    assert prompt[1:] == [
        {"role": "user", "content": "How long can I borrow a book?"},
        {"role": "assistant", "content": "21 days [1]."},
        {"role": "user", "content": "Can I extend that?"},
    ]


def test_unknown_model_is_a_404(app):
    with pytest.raises(openai.NotFoundError) as failure:
        sdk(app).chat.completions.create(
            model="kb:nope", messages=[{"role": "user", "content": "hi"}]
        )
    assert failure.value.body["code"] == "model_not_found"  # type: ignore[index]


def test_upstream_failure_reaches_the_sdk_as_an_error(app, llm):
    llm.reset(status=401)
    with pytest.raises(openai.APIError) as failure:
        list(
            sdk(app).chat.completions.create(
                model="wow-rag", stream=True, messages=[{"role": "user", "content": "lunch?"}]
            )
        )
    assert "llm_auth_failed" in str(failure.value.body) or "API key" in str(failure.value)
    with pytest.raises(openai.APIStatusError) as whole:
        sdk(app).chat.completions.create(
            model="wow-rag", messages=[{"role": "user", "content": "lunch?"}]
        )
    assert whole.value.status_code == 502


def test_langchain_chat_openai_invoke_and_stream(app, llm):
    llm.reset(delay_s=0.02)
    chat = ChatOpenAI(
        base_url=app.url + "/v1",
        api_key=TOKEN,
        model="kb:canteen",  # type: ignore[arg-type]
        max_retries=0,
        timeout=30,
    )
    reply = chat.invoke([HumanMessage("When is lunch served?")])
    assert isinstance(reply, AIMessage) and reply.content == "".join(llm.script.tokens)
    pieces = [c.content for c in chat.stream("When is lunch served?")]
    assert "".join(str(p) for p in pieces) == "".join(llm.script.tokens)
    assert len([p for p in pieces if p]) == len(llm.script.tokens)


def test_langchain_gets_a_real_extractive_answer(extractive):
    chat = ChatOpenAI(
        base_url=extractive.url + "/v1",
        api_key=TOKEN,  # type: ignore[arg-type]
        model="kb:canteen",
        max_retries=0,
    )
    assert "11:30" in str(chat.invoke("When is lunch served?").content)


def test_v1_needs_the_token(app):
    bad = openai.OpenAI(base_url=app.url + "/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()


def test_a_client_leaving_a_v1_stream_closes_the_upstream(app, llm):
    llm.reset(tokens=[f"t{i} " for i in range(500)], delay_s=0.02)
    body = {
        "model": "wow-rag",
        "stream": True,
        "messages": [{"role": "user", "content": "When is lunch served?"}],
    }
    with app.client.stream("POST", "/v1/chat/completions", json=body) as answer:
        seen = 0
        for line in answer.iter_lines():
            seen += line.startswith("data:")
            if seen == 5:
                break
    closed = time.monotonic()
    record = llm.completions(stream=True)[-1]
    while record.disconnected is None and time.monotonic() < closed + 1.0:
        time.sleep(0.01)
    assert record.disconnected is not None and record.disconnected - closed < 1.0


def _raw_stream(app: served_app, model: str, question: str) -> list[str]:
    body = {"model": model, "stream": True, "messages": [{"role": "user", "content": question}]}
    with app.client.stream("POST", "/v1/chat/completions", json=body) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        return [line[len("data: ") :] for line in answer.iter_lines() if line.startswith("data:")]


def test_raw_v1_stream_is_openai_chunks_then_done(app, llm):
    data = _raw_stream(app, "kb:canteen", "When is lunch served?")
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert len({c["id"] for c in chunks}) == 1 and chunks[0]["id"].startswith("chatcmpl-")
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    text = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks)
    assert text == "".join(llm.script.tokens)
    assert [c["choices"][0]["finish_reason"] for c in chunks].count("stop") == 1
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_extractive_answer_streams_over_v1(extractive):
    data = _raw_stream(extractive, "kb:canteen", "When is lunch served?")
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    deltas = [c["choices"][0]["delta"].get("content") for c in chunks[1:]]
    text = "".join(d for d in deltas if d)
    assert "11:30" in text and "[1]" in text and len([d for d in deltas if d]) > 1
    assert chunks[-1]["sources"][0]["filename"] == "menu.md"
