"""What a linked folder holds now: its importable files by relative path, with the size
and modification time that tell a changed file from an unchanged one without reading it.

Left out: hidden files and folders, VCS and tool folders (`.git`, `node_modules` ...),
editor and Office temp files (`~$x.docx`, `.swp`, `x~`), OS metadata, files of types no
reader accepts. A link is never followed out of the folder, and a linked folder is
never entered (no loops, no escape).
"""

from __future__ import annotations

import os
import stat
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from backend.rag.readers import SUPPORTED_EXTENSIONS, is_text_without_extension

# Folders no person means to import: VCS and tool caches, OS metadata and trash.
SKIPPED_FOLDERS = frozenset(
    {
        "__macosx",
        "node_modules",
        ".git",
        ".svn",
        ".hg",
        "__pycache__",
        ".venv",
        "venv",
        "$recycle.bin",
        "system volume information",
        ".trash",
        ".trashes",
        ".spotlight-v100",
        ".fseventsd",
        ".temporaryitems",
        ".documentrevisions-v100",
        "lost+found",
    }
)
SKIPPED_FILES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
# Files an editor or Office keeps while a document is open, or a download in progress.
_TEMP_SUFFIXES = (".swp", ".swo", ".swx", ".tmp", ".temp", ".bak", ".part", ".crdownload", "~")
_TEMP_PREFIXES = (".", "~$", ".~lock.", "#")


@dataclass(frozen=True)
class FolderFile:
    path: Path
    size: int
    modified_at: str  # the file's mtime, ISO 8601 UTC to the microsecond


def is_hidden(path: Path) -> bool:
    if path.name.startswith((".", "~$")):
        return True
    try:
        attributes = os.stat(path, follow_symlinks=False).st_file_attributes  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return False
    return bool(attributes & (stat.FILE_ATTRIBUTE_HIDDEN | stat.FILE_ATTRIBUTE_SYSTEM))  # type: ignore[attr-defined]


def is_supported(path: Path) -> bool:
    if path.suffix.lower() in SUPPORTED_EXTENSIONS:
        return True
    return is_text_without_extension(path)  # LICENSE, README


def is_ignored_name(name: str) -> bool:
    """A name no one means as a document: temp, lock and metadata files."""
    lowered = name.lower()
    return (
        lowered in SKIPPED_FILES
        or lowered.startswith(_TEMP_PREFIXES)
        or lowered.endswith(_TEMP_SUFFIXES)
    )


def modified_iso(mtime: float) -> str:
    moment = datetime.fromtimestamp(mtime, timezone.utc)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def scan_folder(root: Path, unreadable: list[str] | None = None) -> dict[str, FolderFile]:
    """The importable files under `root` by relative path (`/`-separated, NFC). The
    folders that could not be listed go into `unreadable` (as `relative/`): what they
    hold is unknown, which is not the same as deleted."""
    root = root.resolve()
    found: dict[str, FolderFile] = {}
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:  # no permission, or gone since it was listed
            if unreadable is not None:
                unreadable.append(_relative(folder, root) + "/")
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=False):
                    if not is_hidden(path) and entry.name.lower() not in SKIPPED_FOLDERS:
                        pending.append(path)
                    continue
                if is_ignored_name(entry.name) or is_hidden(path):
                    continue
                if entry.is_symlink() and not path.resolve().is_relative_to(root):
                    continue
                if not entry.is_file() or not is_supported(path):
                    continue
                info = entry.stat()  # a link inside the folder: its target's size and time
            except OSError:
                continue
            found[_relative(path, root)] = FolderFile(
                path, info.st_size, modified_iso(info.st_mtime)
            )
    return found


def _relative(path: Path, root: Path) -> str:
    relative = path.relative_to(root).as_posix()
    return "" if relative == "." else unicodedata.normalize("NFC", relative)
