"""What the console (or the log file of a windowed app) shows.

A failure the user has already been told about in the app, such as a file that cannot be
imported (an image, an empty file: a ``ReaderError``) or a refused request (an
``AppError``), is one line there, not a traceback: a traceback is kept for what nobody
expected. Modules keep logging with ``log.exception``; this decides how it reads.
"""

from __future__ import annotations

import logging
import sys

FORMAT = "%(levelname)s %(name)s: %(message)s"


def _expected() -> tuple[type[BaseException], ...]:
    from backend.errors import AppError
    from backend.rag.readers.document import ReaderError

    return (AppError, ReaderError)


class OneLineForExpectedFailures(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self.expected = _expected()

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, self.expected):
            # The person was told in the app; for the console it is a note, not an error.
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg = f"{record.getMessage()}: {error}"
            record.args = None
            record.exc_info = record.exc_text = None
        return True


def configure(level: int = logging.WARNING) -> None:
    """One handler on the root logger, to stderr (the log file when there is no console)."""
    root = logging.getLogger()
    if any(getattr(h, "wowrag", False) for h in root.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(OneLineForExpectedFailures())
    handler.wowrag = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
