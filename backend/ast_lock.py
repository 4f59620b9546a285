"""One thread at a time in `ast.parse` on the CPython builds that need it.

CPython before 3.11.8 keeps the AST constructor's recursion counter in state shared by
every thread (gh-106905). When two threads build AST objects at once, one of them fails
with "SystemError: AST constructor recursion depth mismatch". The app does that on its
own: at start it warms the embedder (numpy reads an array header with
`ast.literal_eval`) and loads LlamaIndex (pydantic reads signatures through
`inspect.signature`, which parses them) in background threads while requests run, and a
formatted traceback parses its source line too. `ast.literal_eval` and `inspect` call
`ast.parse` through the module, so one lock around it covers them all.
"""

from __future__ import annotations

import ast
import functools
import sys
import threading
from collections.abc import Callable
from typing import Any

NEEDED = sys.version_info < (3, 11, 8)
LOCK = threading.RLock()


def _locked(parse: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(parse)
    def parse_locked(*args: Any, **kwargs: Any) -> Any:
        with LOCK:
            return parse(*args, **kwargs)

    parse_locked.__wrapped_by_wowrag__ = True  # type: ignore[attr-defined]
    return parse_locked


def install() -> None:
    """Wrap `ast.parse` once, where the interpreter has the shared counter."""
    if NEEDED and not getattr(ast.parse, "__wrapped_by_wowrag__", False):
        ast.parse = _locked(ast.parse)  # type: ignore[assignment]
