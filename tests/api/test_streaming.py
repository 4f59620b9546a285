"""How streamed events are grouped into writes: tokens faster than the eye go out a few
times per interval, tokens at a model's pace one by one, and neither the first token nor
the end waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from backend.api.streaming import ready_batches, ready_events
from backend.services.chat_events import AnswerDone, ChatEvent, SourcesFound, TokenDelta


async def tokens(count: int, gap_s: float) -> AsyncIterator[ChatEvent]:
    for i in range(count):
        yield TokenDelta(f"t{i} ")
        await asyncio.sleep(gap_s)


def text(batches: list[list[ChatEvent]]) -> str:
    return "".join(e.delta for b in batches for e in b if isinstance(e, TokenDelta))


async def test_fast_tokens_leave_at_most_once_per_interval_with_the_same_text():
    started = time.monotonic()
    batches = [b async for b in ready_batches(tokens(60, 0.002), _is_token, 0.05)]
    elapsed = time.monotonic() - started
    assert text(batches) == "".join(f"t{i} " for i in range(60))
    assert 1 < len(batches) <= elapsed / 0.05 + 2


async def test_tokens_at_a_models_pace_leave_one_by_one():
    batches = [b async for b in ready_events(tokens(8, 0.03))]
    assert [text([b]) for b in batches] == [f"t{i} " for i in range(8)]


async def test_the_first_token_and_the_end_do_not_wait():
    async def answer() -> AsyncIterator[ChatEvent]:
        yield SourcesFound([])
        await asyncio.sleep(0.01)
        yield TokenDelta("first")
        await asyncio.sleep(0.01)
        yield TokenDelta(" last")
        await asyncio.sleep(0.01)
        yield AnswerDone("first last", [], {})

    arrived = []
    started = time.monotonic()
    async for batch in ready_batches(answer(), _is_token, 5.0):
        arrived.append((time.monotonic() - started, batch))
    assert [type(e) for _, b in arrived for e in b] == [
        SourcesFound,
        TokenDelta,
        TokenDelta,
        AnswerDone,
    ]
    # " last" waits for the interval, which the end cuts short: not 5 s after "first".
    assert len(arrived) == 3 and arrived[-1][0] < 1.0


async def test_closing_while_writes_wait_stops_the_source():
    stopped = asyncio.Event()

    async def endless() -> AsyncIterator[ChatEvent]:
        try:
            while True:
                yield TokenDelta("x")
                await asyncio.sleep(0.001)
        finally:
            stopped.set()

    batches = ready_batches(endless(), _is_token, 5.0)
    assert await anext(batches)
    waiting = asyncio.ensure_future(anext(batches))  # waits out the interval
    await asyncio.sleep(0.05)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    await batches.aclose()
    assert stopped.is_set()


def _is_token(event: ChatEvent) -> bool:
    return isinstance(event, TokenDelta)
