"""A long-lived reader child: the same isolation as `read_document_isolated` (its own
process, an address-space limit, a wall-clock timeout) without paying a process start
and the parser imports for every file of a folder import.

Small files come in batches (`read_many`): one round trip carries many paths, and the
child answers file by file, so each file keeps its own time limit. The child is replaced
whenever it is killed (timeout), dies (memory, crash) or has served `RECYCLE_AFTER`
round trips; the file it was reading then fails alone with the reason, and the rest of
its batch goes to the new child, so one hostile file never affects another.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from .document import ParsedDocument, ReaderError
from .isolation import (
    MEMORY_MESSAGE,
    TIMEOUT_MESSAGE,
    Reader,
    _crash_error,
    _limit_memory,
    read_path,
)
from .progress import PageDone, PageListener, listen

RECYCLE_AFTER = 200
# A child's start (a new interpreter, the package's imports) is not a file's reading time:
# it has its own, generous limit, so that a busy machine does not fail the first file.
START_TIMEOUT_S = 120.0
Outcome = ParsedDocument | ReaderError
# The page listener of the i-th file of a batch, or None.
PagesOf = Callable[[int], PageListener | None]
READY = "ready"


class ReaderProcess:
    def __init__(
        self, *, timeout_s: float = 120, memory_mb: int = 1024, reader: Reader = read_path
    ) -> None:
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.reader = reader  # a module-level function, so that the child can import it
        self._lock = threading.Lock()
        self._child: BaseProcess | None = None
        self._conn: Connection | None = None
        self._served = 0

    def read(
        self, data_path: str, filename: str, on_page: PageListener | None = None
    ) -> ParsedDocument:
        """Parse in the child. An OCR'd page reports to ``on_page``."""
        outcome = self.read_many([(data_path, filename)], lambda _: on_page)[0]
        if isinstance(outcome, ReaderError):
            raise outcome
        return outcome

    def read_many(
        self, files: list[tuple[str, str]], on_page: PagesOf | None = None
    ) -> list[Outcome]:
        """Each (path, filename) read, in order: a document or the error of that file.
        ``on_page(i)`` is told of each OCR'd page of the i-th file; a page report restarts
        the timeout, which is therefore per page for scans and per file for the rest."""
        outcomes: list[Outcome] = []
        with self._lock:
            while len(outcomes) < len(files):
                todo = files[len(outcomes) :]
                conn = self._ensure()
                conn.send(todo)
                self._served += 1
                for _ in todo:
                    pages = None if on_page is None else on_page(len(outcomes))
                    outcome = self._answer(conn, pages)
                    outcomes.append(outcome)
                    if self._conn is None:  # the child was stopped on this file
                        break
                if self._served >= RECYCLE_AFTER:
                    self._stop()
        return outcomes

    def _answer(self, conn: Connection, on_page: PageListener | None) -> Outcome:
        try:
            while True:
                if not conn.poll(self.timeout_s):
                    self._stop()
                    return ReaderError(
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
            return _crash_error(code, self.memory_mb)
        if not isinstance(outcome, ParsedDocument | ReaderError):
            return ReaderError("parse_failed", "The reader returned nothing usable for this file.")
        return outcome

    def _ensure(self) -> Connection:
        if self._child is not None and self._child.is_alive() and self._conn is not None:
            return self._conn
        self._stop()
        context = multiprocessing.get_context("spawn")
        parent, child_end = context.Pipe(duplex=True)
        child = context.Process(
            target=_serve,
            args=(child_end, self.reader, self.memory_mb),
            name="wowrag-reader",
            daemon=True,
        )
        child.start()
        child_end.close()
        self._child, self._conn, self._served = child, parent, 0
        try:
            started = parent.poll(START_TIMEOUT_S) and parent.recv() == READY
        except (EOFError, OSError):
            started = False
        if not started:
            code = child.exitcode
            self._stop()
            raise _crash_error(code, self.memory_mb)
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


def _serve(conn: Connection, reader: Reader, memory_mb: int) -> None:
    _limit_memory(memory_mb)
    listen(lambda done, total: conn.send(PageDone(done, total)))
    conn.send(READY)
    while True:
        try:
            files = conn.recv()
        except (EOFError, OSError):
            return
        for data_path, filename in files:
            try:
                conn.send(_read_one(reader, data_path, filename, memory_mb))
            except MemoryError:
                return


def _read_one(reader: Reader, data_path: str, filename: str, memory_mb: int) -> Outcome:
    try:
        return reader(data_path, filename)
    except ReaderError as error:
        return error
    except MemoryError:
        return ReaderError("parse_memory", MEMORY_MESSAGE.format(mb=memory_mb))
    except Exception as error:
        return ReaderError(
            "parse_failed", f"This file could not be read ({type(error).__name__}: {error})."
        )
