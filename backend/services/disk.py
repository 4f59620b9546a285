"""Free space of the disk that holds the data folder: look before writing, and a reserve.

Imports check here before they write (an upload, each document's vectors and rows) and
are refused, or failed with a reason a person can act on, below a safety margin. The
reserve is a file of a few MB kept in the data folder: when the disk fills anyway (another
program, or a write that outran the check), releasing it gives SQLite and Qdrant Edge room
to open and to delete. Edge replays its write-ahead log into memory-mapped files; a page
that a full disk cannot back kills the process with SIGBUS, with no exception to catch.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from backend.errors import AppError
from backend.store.disk_full import is_disk_full

log = logging.getLogger(__name__)
MB = 1 << 20
LOW_BYTES = 1 << 30  # below this the UI warns
RESERVE_NAME = "space-reserve.bin"
DISK_FULL = "The disk holding the data folder is full"


class InsufficientStorage(AppError):
    status = 507
    code = "insufficient_storage"


@dataclass(frozen=True)
class DiskState:
    """What the UI shows: `full` refuses imports; `low` is the early warning."""

    free_bytes: int
    total_bytes: int
    min_free_bytes: int
    low: bool
    full: bool

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@contextmanager
def refused_when_full(disk: DiskSpace) -> Iterator[None]:
    """A write that meets a full disk anyway answers 507 with what to do, not a 500."""
    try:
        yield
    except InsufficientStorage:
        raise
    except Exception as exc:
        if not is_disk_full(exc):
            raise
        raise InsufficientStorage(disk_full_reason(disk.missing() or MB)) from exc


def disk_full_reason(missing_bytes: int) -> str:
    megabytes = max(1, -(-missing_bytes // MB))
    return f"{DISK_FULL}: free {megabytes} MB or move the data folder."


class DiskSpace:
    def __init__(self, root: Path, min_free_bytes: int, reserve_bytes: int) -> None:
        self.root = root
        self.min_free_bytes = min_free_bytes
        self.reserve_bytes = reserve_bytes
        self.reserve = root / RESERVE_NAME

    def free(self) -> int:
        return shutil.disk_usage(self.root).free

    def state(self) -> DiskState:
        usage = shutil.disk_usage(self.root)
        return DiskState(
            free_bytes=usage.free,
            total_bytes=usage.total,
            min_free_bytes=self.min_free_bytes,
            low=usage.free < max(LOW_BYTES, self.min_free_bytes),
            full=usage.free < self.min_free_bytes,
        )

    def missing(self, need_bytes: int = 0) -> int:
        """Bytes to free before a write of `need_bytes` keeps the margin; 0 when it fits."""
        return max(0, need_bytes + self.min_free_bytes - self.free())

    def tight(self) -> bool:
        """Within one more margin (and the reserve) of refusing: write little at a time."""
        return self.missing(self.min_free_bytes + self.reserve_bytes) > 0

    def require(self, need_bytes: int = 0) -> None:
        """Refuse (507) a write that would leave less than the margin."""
        missing = self.missing(need_bytes)
        if missing:
            raise InsufficientStorage(disk_full_reason(missing))

    @staticmethod
    def used_by(folder: Path) -> int:
        """Bytes the files under `folder` really take (Qdrant's files are sparse)."""
        total = 0
        for path in folder.rglob("*"):
            try:
                stat = path.stat()
            except OSError:  # removed meanwhile
                continue
            if path.is_file():
                blocks = getattr(stat, "st_blocks", None)
                total += blocks * 512 if blocks is not None else stat.st_size
        return total

    # -- the reserve ---------------------------------------------------------------------------
    def make_room(self) -> None:
        """Release the reserve when the disk is nearly full, so that what must write a
        little (opening the stores, a delete, marking a document failed) can."""
        if self.reserve.exists() and self.free() < self.reserve_bytes:
            log.warning("the data folder's disk is full: releasing the space reserve")
            self.reserve.unlink(missing_ok=True)

    def refill(self) -> None:
        """Take the reserve back once there is room for it above the margin."""
        if self.reserve_bytes <= 0 or self.reserve.exists():
            return
        if self.free() < self.min_free_bytes + self.reserve_bytes:
            return
        try:
            fd = os.open(self.reserve, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return
        try:
            _allocate(fd, self.reserve_bytes)
        except OSError:
            os.close(fd)
            self.reserve.unlink(missing_ok=True)
            return
        os.close(fd)


def _allocate(fd: int, size: int) -> None:
    """Really take the blocks (a sparse file would reserve nothing)."""
    if hasattr(os, "posix_fallocate"):
        try:
            os.posix_fallocate(fd, 0, size)
            return
        except OSError as error:
            if error.errno not in (errno.EOPNOTSUPP, errno.EINVAL):  # write zeros instead
                raise
    block = bytes(MB)
    for _ in range(size // MB):
        os.write(fd, block)
    os.write(fd, bytes(size % MB))
    os.fsync(fd)
