"""A long-lived reader child: the same isolation as `read_document_isolated` (its own
process, an address-space limit, a wall-clock timeout) without paying a process start
and the parser imports for every file of a folder import.

The child is replaced whenever it is killed (timeout), dies (memory, crash) or has read
`RECYCLE_AFTER` files, so one hostile file never affects the next.
"""

from __future__ import annotations

import multiprocessing
import threading
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

from .document import ParsedDocument, ReaderError
from .isolation import TIMEOUT_MESSAGE, _crash_error, _limit_memory
from .progress import PageDone, PageListener, listen

RECYCLE_AFTER = 200


class ReaderProcess:
    def __init__(self, *, timeout_s: float = 120, memory_mb: int = 1024) -> None:
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self._lock = threading.Lock()
        self._child: BaseProcess | None = None
        self._conn: Connection | None = None
        self._served = 0

    def read(
        self, data_path: str, filename: str, on_page: PageListener | None = None
    ) -> ParsedDocument:
        """Parse in the child. An OCR'd page reports to ``on_page`` and restarts the
        timeout, which is therefore per page for scans and per file for the rest."""
        with self._lock:
            conn = self._ensure()
            conn.send((data_path, filename))
            try:
                while True:
                    if not conn.poll(self.timeout_s):
                        self._stop()
                        raise ReaderError(
                            "parse_timeout", TIMEOUT_MESSAGE.format(seconds=self.timeout_s)
                        )
                    outcome = conn.recv()
                    if not isinstance(outcome, PageDone):
                        break
                    if on_page is not None:
                        on_page(outcome.done, outcome.total)
            except (EOFError, OSError):
                child = self._child
                code = None
                if child is not None:
                    child.join(5)
                    code = child.exitcode
                self._stop()
                raise _crash_error(code, self.memory_mb) from None
            self._served += 1
            if self._served >= RECYCLE_AFTER:
                self._stop()
        if isinstance(outcome, ReaderError):
            raise outcome
        if not isinstance(outcome, ParsedDocument):
            raise ReaderError("parse_failed", "The reader returned nothing usable for this file.")
        return outcome

    def _ensure(self) -> Connection:
        if self._child is not None and self._child.is_alive() and self._conn is not None:
            return self._conn
        self._stop()
        context = multiprocessing.get_context("spawn")
        parent, child_end = context.Pipe(duplex=True)
        child = context.Process(
            target=_serve, args=(child_end, self.memory_mb), name="wowrag-reader", daemon=True
        )
        child.start()
        child_end.close()
        self._child, self._conn, self._served = child, parent, 0
        return parent

    def _stop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        if self._child is not None:
            if self._child.is_alive():
                self._child.kill()
            self._child.join()
            self._child.close()
        self._child, self._conn = None, None

    def close(self) -> None:
        with self._lock:
            self._stop()


def _serve(conn: Connection, memory_mb: int) -> None:
    from . import read_document

    _limit_memory(memory_mb)
    listen(lambda done, total: conn.send(PageDone(done, total)))
    while True:
        try:
            data_path, filename = conn.recv()
        except (EOFError, OSError):
            return
        outcome: ParsedDocument | ReaderError
        try:
            outcome = read_document(Path(data_path).read_bytes(), filename)
        except ReaderError as error:
            outcome = error
        except MemoryError:
            outcome = ReaderError(
                "parse_memory",
                f"Reading this file needed too much memory (over {memory_mb} MB); it was stopped.",
            )
        except Exception as error:
            outcome = ReaderError(
                "parse_failed", f"This file could not be read ({type(error).__name__}: {error})."
            )
        try:
            conn.send(outcome)
        except MemoryError:
            return
