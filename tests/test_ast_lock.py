"""`ast.parse` runs one thread at a time where CPython shares the AST constructor's
recursion counter between threads (before 3.11.8)."""

from __future__ import annotations

import ast
import threading

import pytest

from backend import ast_lock

pytestmark = pytest.mark.skipif(not ast_lock.NEEDED, reason="this CPython has the fix")


@pytest.mark.parametrize(
    "parse",
    [
        lambda: ast.parse("x = 1"),
        # numpy's array header and inspect's signatures parse through `ast.parse`
        lambda: ast.literal_eval("{'descr': '<f4', 'shape': (3,)}"),
    ],
    ids=["parse", "literal_eval"],
)
def test_a_parse_waits_while_another_thread_is_parsing(parse) -> None:  # type: ignore[no-untyped-def]
    parsed = threading.Event()

    def parse_beside() -> None:
        parse()
        parsed.set()

    with ast_lock.LOCK:  # as if this thread were inside ast.parse
        beside = threading.Thread(target=parse_beside)
        beside.start()
        assert not parsed.wait(0.3)
    assert parsed.wait(5)
    beside.join()


def test_installing_twice_wraps_once() -> None:
    wrapped = ast.parse
    ast_lock.install()
    assert ast.parse is wrapped
