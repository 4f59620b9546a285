"""services/folder_scan.py: what a linked folder holds, on real files: relative paths,
the files no one means as documents left out, links never followed out of the folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backend.services.folder_scan import modified_iso, scan_folder


def _touch(root: Path, relative: str, text: str = "# note\n\nsome text") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_scan_keys_files_by_relative_path_with_size_and_time(tmp_path):
    kept = _touch(tmp_path, "项目/会议记录.md", "# 会议\n\n周五前完成迁移。")
    _touch(tmp_path, "a/b/c/deep.txt")
    _touch(tmp_path, "README")  # a text file without an extension is readable
    found = scan_folder(tmp_path)
    assert set(found) == {"项目/会议记录.md", "a/b/c/deep.txt", "README"}
    entry = found["项目/会议记录.md"]
    assert entry.size == kept.stat().st_size
    assert entry.modified_at == modified_iso(kept.stat().st_mtime)


def test_scan_leaves_out_hidden_temp_tool_and_unsupported_files(tmp_path):
    _touch(tmp_path, "keep.md")
    for relative in (
        ".hidden.md",
        "~$report.docx",
        ".~lock.sheet.xlsx#",
        "notes.md.swp",
        "draft.md~",
        "download.pdf.part",
        "scratch.tmp",
        ".DS_Store",
        "Thumbs.db",
        ".git/HEAD.txt",
        "node_modules/pkg/readme.md",
        ".obsidian/workspace.json",
        "sub/.cache/x.md",
    ):
        _touch(tmp_path, relative)
    (tmp_path / "animation.gif").write_bytes(b"GIF89a" + bytes(32))  # a type no reader takes
    (tmp_path / "tool.exe").write_bytes(b"MZ" + bytes(32))
    assert set(scan_folder(tmp_path)) == {"keep.md"}


def test_scan_never_follows_a_link_out_of_the_folder_nor_loops(tmp_path):
    root, outside = tmp_path / "linked", tmp_path / "elsewhere"
    _touch(root, "inside.md")
    secret = _touch(outside, "secret.md")
    os.symlink(secret, root / "escape.md")
    os.symlink(outside, root / "escape_dir", target_is_directory=True)
    os.symlink(root, root / "loop", target_is_directory=True)
    os.symlink(root / "inside.md", root / "alias.md")  # a link inside the folder is fine
    assert set(scan_folder(root)) == {"inside.md", "alias.md"}


def test_scan_of_a_missing_folder_is_empty_not_an_error(tmp_path):
    assert scan_folder(tmp_path / "gone") == {}


def test_scan_names_the_folders_it_could_not_read(tmp_path):
    _touch(tmp_path, "open/a.md")
    locked = _touch(tmp_path, "locked/b.md").parent
    locked.chmod(0)
    try:
        unreadable: list[str] = []
        found = scan_folder(tmp_path, unreadable)
        if os.access(locked, os.R_OK):
            pytest.skip("this user (root) reads every folder")
        assert set(found) == {"open/a.md"} and unreadable == ["locked/"]
    finally:
        locked.chmod(0o755)
