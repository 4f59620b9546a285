"""Document change events for `GET /api/events`: published from worker threads, delivered
to each subscriber's asyncio queue on its own loop. A batch of small documents publishes
its changes together: one hand-over to each loop instead of one per document."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from typing import Any

QUEUE_LIMIT = 1000


class EventBus:
    def __init__(self) -> None:
        self._subscribers: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue[Any]]] = set()
        self._lock = threading.Lock()

    def publish(self, event: dict[str, Any]) -> None:
        self.publish_many([event])

    def publish_many(self, events: Sequence[dict[str, Any]]) -> None:
        if not events:
            return
        with self._lock:
            subscribers = list(self._subscribers)
        for loop, queue in subscribers:
            try:
                loop.call_soon_threadsafe(_offer, queue, events)
            except RuntimeError:  # that loop is closed; its subscriber is gone
                with self._lock:
                    self._subscribers.discard((loop, queue))

    async def subscribe(self) -> AsyncIterator[dict[str, Any]]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue(QUEUE_LIMIT)
        entry = (loop, queue)
        with self._lock:
            self._subscribers.add(entry)
        try:
            while True:
                yield await queue.get()
        finally:
            with self._lock:
                self._subscribers.discard(entry)


def _offer(queue: asyncio.Queue[Any], events: Sequence[dict[str, Any]]) -> None:
    for event in events:
        if queue.full():  # a slow reader loses the oldest change, never blocks the importer
            queue.get_nowait()
        queue.put_nowait(event)
