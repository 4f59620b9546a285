"""Per-page progress out of a reader, for the slow kind of reading (OCR).

A reader calls ``report(done, total)`` after each page it had to OCR; whoever runs the
reader (the isolated child) installs a listener that passes it on to the parent, which
both shows it and counts it as a sign of life, so that its timeout is per page rather
than per file. Without a listener, reports go nowhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

PageListener = Callable[[int, int], None]


@dataclass(frozen=True)
class PageDone:
    """What a reader child sends its parent after each OCR'd page."""

    done: int
    total: int


_listener: PageListener | None = None


def listen(listener: PageListener | None) -> None:
    """Send this process's page reports to ``listener`` (None: stop sending them)."""
    global _listener
    _listener = listener


def report(done: int, total: int) -> None:
    if _listener is not None:
        _listener(done, total)
