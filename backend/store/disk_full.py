"""Recognising "the disk is full" in the errors of every writer the app has: an OSError
with ENOSPC (or a quota's EDQUOT), SQLite's SQLITE_FULL ("database or disk is full"), and
Qdrant Edge, whose Rust core raises a bare Exception that only says so in its text."""

from __future__ import annotations

import errno
import sqlite3

_FULL_ERRNOS = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_SQLITE_FULL = 13
# How Rust's io::Error and SQLite say it, for errors that carry no errno.
_FULL_TEXTS = ("no space left on device", "os error 28", "database or disk is full")


def is_disk_full(exc: BaseException | None) -> bool:
    """True when this error, or one it was raised from, means the disk had no room."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return True
        if (
            isinstance(exc, sqlite3.Error)
            and getattr(exc, "sqlite_errorcode", None) == _SQLITE_FULL
        ):
            return True
        if any(text in str(exc).lower() for text in _FULL_TEXTS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False
