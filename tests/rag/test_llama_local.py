"""The embedded GGUF path for real: llama-cpp-python loads a tiny model written by the
`gguf` package and streams from it; Stop ends the generation thread. Needs the optional
`llama` extra (llama-cpp-python compiles from source for about 15 minutes)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from backend.rag.llm.generation import AnswerRequest, GenerationError, Turn
from backend.rag.llm.gguf import LlamaCppGenerator, LocalModels
from tests.conftest import read_sse
from tests.fakes import TINY_PIECES, write_tiny_gguf

pytest.importorskip("llama_cpp")
pytestmark = pytest.mark.llama_cpp

REQUEST = AnswerRequest("When is the book due?", [], [Turn("user", "hi")], "en")


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(write_tiny_gguf(Path(tmp_path_factory.mktemp("gguf")) / "tiny.gguf"))


async def test_loads_and_streams_a_real_gguf(tiny_model):
    models = LocalModels(context_tokens=2048)
    generator = LlamaCppGenerator(models, tiny_model, temperature=0.0, max_tokens=12)
    deltas = [d async for d in generator.stream(REQUEST)]
    assert len(deltas) >= 3
    words = {p.replace("▁", " ").strip() for p in TINY_PIECES}
    assert set("".join(deltas).split()) <= words
    assert generator.last_usage and generator.last_usage["completion_tokens"] >= len(deltas)
    assert isinstance(await generator.condense("And then?", [Turn("user", "hi")]), str)
    models.close()


async def test_cancelling_stops_the_generation_thread(tiny_model):
    models = LocalModels(context_tokens=2048)
    generator = LlamaCppGenerator(models, tiny_model, temperature=0.0, max_tokens=1500)

    async def consume(seen: list[str]) -> None:
        async for delta in generator.stream(REQUEST):
            seen.append(delta)

    seen: list[str] = []
    task = asyncio.ensure_future(consume(seen))
    while len(seen) < 3:
        await asyncio.sleep(0.005)
    task.cancel()
    cancelled = time.monotonic()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(models.lock.acquire, True, 1.0), "generation kept running"
    assert time.monotonic() - cancelled < 1.0
    models.lock.release()
    models.close()


async def test_a_prompt_longer_than_the_context_is_an_actionable_error(tiny_model):
    models = LocalModels(context_tokens=64)
    generator = LlamaCppGenerator(models, tiny_model, max_tokens=8)
    with pytest.raises(GenerationError) as failure:
        _ = [d async for d in generator.stream(REQUEST)]
    assert failure.value.code == "llm_context_overflow"
    models.close()


def test_chat_answers_with_an_imported_gguf(client, tiny_model):
    stored = client.post("/api/llm/models/import", json={"path": tiny_model}).json()
    client.put(
        "/api/settings",
        json={"llm": {"provider": "llama_cpp", "model_path": stored["path"], "max_tokens": 8}},
    )
    with client.stream("POST", "/api/chat/stream", json={"question": "When is it due?"}) as answer:
        events = read_sse(answer.iter_lines())
    assert events[-1]["event"] == "done", events[-1]
    assert any(e["event"] == "token" for e in events)
