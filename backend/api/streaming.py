"""Sending streamed events: whatever is ready goes out in one write, and a stream of tokens
faster than the eye goes out a few times per frame.

Each write costs tens of microseconds here and a wake-up in the client, which an instant
upstream's 2,000 tokens turn into a visible delay. So the events already waiting go out
in one body chunk, token deltas that waited together become one token event (the client
shows the same text), and after a write that held tokens the next one waits until
`TOKEN_INTERVAL_S` has passed, unless the stream ends first. At a model's pace (tens of
milliseconds a token) nothing waits, so every token is still its own event and its own
write; the first token and the end never wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import anyio

from backend.services.chat_events import ChatEvent, TokenDelta

T = TypeVar("T")
_END = object()
TOKEN_INTERVAL_S = 0.004


async def ready_batches(
    events: AsyncIterator[T],
    held: Callable[[T], bool] = lambda _: False,
    interval_s: float = TOKEN_INTERVAL_S,
) -> AsyncIterator[list[T]]:
    """The items of `events` in lists of whatever was ready at each step; after a list
    with an item that is `held`, the next one comes `interval_s` later at the earliest,
    or at once when `events` ends. Closing this iterator (a client that went away)
    cancels the source, so its `finally` runs."""
    waiting: asyncio.Queue[object] = asyncio.Queue()
    ended = asyncio.Event()
    # Cancelled through anyio, not Task.cancel(): anyio keeps out of shielded clean-up,
    # which a bare cancel() would cut short.
    scope = anyio.CancelScope()

    async def pump() -> None:
        with scope:
            try:
                async for event in events:
                    waiting.put_nowait(event)
            finally:
                waiting.put_nowait(_END)
                ended.set()

    task = asyncio.create_task(pump())
    next_write = 0.0
    try:
        while True:
            item = await waiting.get()
            pause = next_write - time.monotonic()
            if pause > 0 and not ended.is_set():
                with anyio.move_on_after(pause):
                    await ended.wait()
            batch: list[T] = []
            while item is not _END:
                batch.append(item)  # type: ignore[arg-type]
                if waiting.empty():
                    break
                item = waiting.get_nowait()
            if batch:
                yield batch
                if any(held(i) for i in batch):
                    next_write = time.monotonic() + interval_s
            if item is _END:
                break
        await task  # an error in the source surfaces here
    finally:
        if not task.done():
            scope.cancel()
            with anyio.CancelScope(shield=True):
                await task


def joined_tokens(batch: list[ChatEvent]) -> list[ChatEvent]:
    """The batch with each run of consecutive token deltas joined into one."""
    joined: list[ChatEvent] = []
    run: list[str] = []
    for event in batch:
        if isinstance(event, TokenDelta):
            run.append(event.delta)
            continue
        if run:
            joined.append(TokenDelta("".join(run)))
            run = []
        joined.append(event)
    if run:
        joined.append(TokenDelta("".join(run)))
    return joined


def _is_token(event: ChatEvent) -> bool:
    return isinstance(event, TokenDelta)


async def ready_events(events: AsyncIterator[ChatEvent]) -> AsyncIterator[list[ChatEvent]]:
    """`ready_batches` of chat events, token writes spaced, token runs joined."""
    async for batch in ready_batches(events, _is_token):
        yield joined_tokens(batch)
