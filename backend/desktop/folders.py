"""Turn dropped or chosen paths (files and whole folders) into the list of files to import.

Folders are walked: only supported types are kept; hidden files and folders, system and
tool folders (``__MACOSX``, ``node_modules``, ``.git``, ``$RECYCLE.BIN`` ...) and symlink
loops are skipped. What is left out is counted, so the UI can say "12 files skipped".
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from backend.rag.readers import SUPPORTED_EXTENSIONS

# One set of rules for what a folder holds: a linked folder's sync uses the same.
from backend.services.folder_scan import SKIPPED_FILES, SKIPPED_FOLDERS, is_hidden, is_supported

__all__ = [
    "SKIPPED_FILES",
    "SKIPPED_FOLDERS",
    "SUPPORTED_EXTENSIONS",
    "FileSelection",
    "collect_files",
    "is_hidden",
]
MAX_FILES = 10_000


@dataclass
class FileSelection:
    files: list[Path] = field(default_factory=list)
    skipped: int = 0  # files left out: unsupported type, hidden, unreadable, over the limit
    skipped_folders: int = 0  # hidden, system or tool folders left out whole
    truncated: bool = False


def collect_files(paths: Iterable[str | os.PathLike[str]], limit: int = MAX_FILES) -> FileSelection:
    """The importable files under ``paths``, in a stable order, and a count of the rest.

    A file named explicitly is kept if its type is supported, even when hidden: the person
    chose it. Inside folders, hidden and system entries are skipped.
    """
    selection = FileSelection()
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[Path] = set()

    def add(file: Path) -> None:
        resolved = file.resolve()
        if resolved in seen_files:
            return
        if len(selection.files) >= limit:
            selection.truncated = True
            selection.skipped += 1
            return
        seen_files.add(resolved)
        selection.files.append(file)

    def walk(folder: Path) -> None:
        try:
            info = folder.stat()
        except OSError:
            selection.skipped += 1
            return
        key = (info.st_dev, info.st_ino)
        if key in seen_dirs:  # a symlink loop, or the same folder twice
            return
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name.lower())
        except OSError:
            selection.skipped += 1
            return
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
                is_file = entry.is_file()
            except OSError:
                selection.skipped += 1
                continue
            if is_dir:
                if is_hidden(path) or entry.name.lower() in SKIPPED_FOLDERS:
                    selection.skipped_folders += 1
                else:
                    walk(path)
            elif (
                is_file
                and not is_hidden(path)
                and entry.name.lower() not in SKIPPED_FILES
                and is_supported(path)
            ):
                add(path)
            else:
                selection.skipped += 1

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            walk(path)
        elif path.is_file() and is_supported(path):
            add(path)
        else:
            selection.skipped += 1
    return selection
