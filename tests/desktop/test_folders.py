"""backend/desktop/folders.py: dropped or chosen paths become the files to import."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backend.desktop.folders import collect_files
from tests.desktop.files import touch


def test_collect_files_walks_folders_and_counts_what_it_skips(tmp_path: Path) -> None:
    root = tmp_path / "docs"
    keep = [touch(root / "a.md"), touch(root / "sub" / "b.txt"), touch(root / "sub" / "C.PDF")]
    touch(root / "clip.gif")  # unsupported
    touch(root / ".secret.md")  # hidden
    touch(root / "~$lock.docx")  # an Office lock file
    touch(root / "Thumbs.db")
    touch(root / ".git" / "notes.md")  # hidden tool folder: skipped whole
    touch(root / "node_modules" / "pkg" / "readme.md")
    touch(root / "__MACOSX" / "a.md")

    selection = collect_files([root])

    assert sorted(selection.files) == sorted(keep)
    assert selection.skipped == 4
    assert selection.skipped_folders == 3
    assert not selection.truncated


def test_collect_files_keeps_a_chosen_file_and_drops_duplicates(tmp_path: Path) -> None:
    file = touch(tmp_path / "notes.txt")
    other = touch(tmp_path / "x.exe")
    selection = collect_files([file, tmp_path, str(file), tmp_path / "missing.md", other])
    assert selection.files == [file]
    assert selection.skipped == 3  # x.exe (chosen), missing.md, x.exe (in the folder)


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_collect_files_survives_a_symlink_loop(tmp_path: Path) -> None:
    touch(tmp_path / "a" / "one.md")
    (tmp_path / "a" / "loop").symlink_to(tmp_path / "a", target_is_directory=True)
    selection = collect_files([tmp_path / "a"])
    assert [p.name for p in selection.files] == ["one.md"]


def test_collect_files_stops_at_the_limit(tmp_path: Path) -> None:
    for i in range(5):
        touch(tmp_path / f"{i}.txt")
    selection = collect_files([tmp_path], limit=3)
    assert len(selection.files) == 3
    assert selection.truncated and selection.skipped == 2
