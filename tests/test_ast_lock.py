"""`ast.parse` runs one thread at a time where CPython shares the AST constructor's
recursion counter between threads (before 3.11.8)."""

from __future__ import annotations

import ast
import threading

import pytest

from backend import ast_lock

pytestmark = pytest.mark.skipif(not ast_lock.NEEDED, reason="this CPython has the fix")


def test_a_parse_waits_while_another_thread_is_parsing() -> None:
    parsed = threading.Event()

    def parse_beside() -> None:
        ast.parse("x = 1")
        parsed.set()

    with ast_lock.LOCK:  # as if this thread were inside ast.parse
        beside = threading.Thread(target=parse_beside)
        beside.start()
        assert not parsed.wait(0.3)
    assert parsed.wait(5)
    beside.join()


def test_the_readers_of_literals_and_signatures_go_through_the_lock() -> None:
    """numpy's array header and inspect's signatures parse through `ast.parse`."""
    got = threading.Event()

    def read_literal() -> None:
        ast.literal_eval("{'descr': '<f4', 'shape': (3,)}")
        got.set()

    with ast_lock.LOCK:
        reader = threading.Thread(target=read_literal)
        reader.start()
        assert not got.wait(0.3)
    assert got.wait(5)
    reader.join()


def test_installing_twice_wraps_once() -> None:
    wrapped = ast.parse
    ast_lock.install()
    assert ast.parse is wrapped
