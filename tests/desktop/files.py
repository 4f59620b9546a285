"""A file with some text, its folders made: what the desktop tests drop and choose."""

from __future__ import annotations

from pathlib import Path


def touch(path: Path, text: str = "hello") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path
