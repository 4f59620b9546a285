"""A small thread-safe LRU cache that computes a value on a miss."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """The most recently used `size` values, computed on a miss; safe across threads."""

    def __init__(self, size: int, compute: Callable[[K], V]) -> None:
        self.size, self.compute = size, compute
        self._values: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, key: K) -> V:
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = self.compute(key)
        self.offer(key, value)
        return value

    def offer(self, key: K, value: V) -> None:
        """Keep a value computed elsewhere (cheaper there) unless one is already kept."""
        with self._lock:
            if key not in self._values:
                self._values[key] = value
                while len(self._values) > self.size:
                    self._values.popitem(last=False)
