"""Sending streamed events: whatever is ready goes out in one write.

Each event and each write costs tens of microseconds, which an instant upstream's 2,000
tokens turn into a visible delay. When events arrive faster than they can be sent, the
ones already waiting go out in one body chunk, and token deltas that waited together
become one token event (the client shows the same text). At human typing speed nothing
waits, so every token is still its own event and its own write.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TypeVar

import anyio

from backend.services.chat import ChatEvent, TokenDelta

T = TypeVar("T")
_END = object()


async def ready_batches(events: AsyncIterator[T]) -> AsyncIterator[list[T]]:
    """The items of `events` in lists of whatever was ready at each step. Closing this
    iterator (a client that went away) cancels the source, so its `finally` runs."""
    waiting: asyncio.Queue[object] = asyncio.Queue()
    # Cancelled through anyio, not Task.cancel(): anyio keeps out of shielded clean-up
    # (httpx closing a model server's connection), which a bare cancel() would cut short.
    scope = anyio.CancelScope()

    async def pump() -> None:
        with scope:
            try:
                async for event in events:
                    waiting.put_nowait(event)
            finally:
                waiting.put_nowait(_END)

    task = asyncio.create_task(pump())
    try:
        while True:
            item = await waiting.get()
            batch: list[T] = []
            while item is not _END:
                batch.append(item)  # type: ignore[arg-type]
                if waiting.empty():
                    break
                item = waiting.get_nowait()
            if batch:
                yield batch
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


async def ready_events(events: AsyncIterator[ChatEvent]) -> AsyncIterator[list[ChatEvent]]:
    """`ready_batches` of chat events, token runs joined."""
    async for batch in ready_batches(events):
        yield joined_tokens(batch)
