"""Parse a file in a child process, so that a hostile file costs a ReaderError, not the app.

A zip bomb, a PDF whose content streams never end or a deeply nested document can eat
all memory or hang a parser in C code, where no Python timeout reaches. The child runs
with an address-space limit (Linux and macOS; Windows has none here) and is killed when
the wall-clock timeout passes. It is started with the "spawn" method, which works the
same on every OS and inside a PyInstaller bundle as long as the entry script calls
``multiprocessing.freeze_support()`` first. The child imports only this package.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from .document import ParsedDocument, ReaderError
from .progress import PageDone, listen

Reader = Callable[[str, str], ParsedDocument]

TIMEOUT_MESSAGE = "Reading this file took too long (over {seconds:g} s); it was stopped."
MEMORY_MESSAGE = "Reading this file needed too much memory (over {mb} MB); it was stopped."
CRASH_MESSAGE = "The reader crashed on this file (exit code {code}); the file may be damaged."


def read_document_isolated(
    data_path: str, filename: str, *, timeout_s: float = 120, memory_mb: int = 1024
) -> ParsedDocument:
    """Parse the file at ``data_path`` (named ``filename``) in a child process."""
    return run_isolated(read_path, data_path, filename, timeout_s=timeout_s, memory_mb=memory_mb)


def read_path(data_path: str, filename: str) -> ParsedDocument:
    from . import read_document

    return read_document(Path(data_path).read_bytes(), filename)


def run_isolated(
    reader: Reader, data_path: str, filename: str, *, timeout_s: float, memory_mb: int
) -> ParsedDocument:
    """Run ``reader`` (a module-level function, so the child can import it) in a child."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main,
        args=(sender, reader, data_path, filename, memory_mb),
        name="wowrag-reader",
        daemon=True,
    )
    child.start()
    # Drop our copy of the sending end, so that a child that dies shows up as EOF.
    sender.close()
    try:
        while True:  # an OCR'd page's report restarts the timeout: it is per page for scans
            if not receiver.poll(timeout_s):
                raise ReaderError("parse_timeout", TIMEOUT_MESSAGE.format(seconds=timeout_s))
            try:
                outcome = receiver.recv()
            except EOFError:
                child.join(5)
                raise _crash_error(child.exitcode, memory_mb) from None
            if not isinstance(outcome, PageDone):
                break
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
        child.close()
    if isinstance(outcome, ReaderError):
        raise outcome
    if not isinstance(outcome, ParsedDocument):
        raise ReaderError("parse_failed", "The reader returned nothing usable for this file.")
    return outcome


def _crash_error(exitcode: int | None, memory_mb: int) -> ReaderError:
    # SIGKILL without our asking is the kernel's out-of-memory killer; SIGSEGV/SIGABRT in
    # a C parser also tend to be failed allocations under the address-space limit.
    if exitcode is not None and -exitcode in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT):
        return ReaderError("parse_memory", MEMORY_MESSAGE.format(mb=memory_mb))
    return ReaderError("parse_failed", CRASH_MESSAGE.format(code=exitcode))


def _child_main(
    sender: Connection, reader: Reader, data_path: str, filename: str, memory_mb: int
) -> None:
    _limit_memory(memory_mb)
    listen(lambda done, total: sender.send(PageDone(done, total)))
    outcome: ParsedDocument | ReaderError
    try:
        outcome = reader(data_path, filename)
    except ReaderError as error:
        outcome = error
    except MemoryError:
        outcome = ReaderError("parse_memory", MEMORY_MESSAGE.format(mb=memory_mb))
    except Exception as error:  # anything else still becomes a message, not a stack trace
        outcome = ReaderError(
            "parse_failed", f"This file could not be read ({type(error).__name__}: {error})."
        )
    try:
        sender.send(outcome)
    except MemoryError:
        sender.send(ReaderError("parse_memory", MEMORY_MESSAGE.format(mb=memory_mb)))
    finally:
        sender.close()


def _limit_memory(memory_mb: int) -> None:
    if sys.platform == "win32":
        return
    import resource

    limit = memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    # macOS refuses RLIMIT_AS and has no cheap equivalent: run without a limit there.
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
