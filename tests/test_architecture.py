"""The house keeps its shape: the import contracts of pyproject.toml hold (floors apart, no
cycles, scripts never import tests) and no module grows past the size where it holds two
things (STYLE.md: split a Python module near 300 lines, a .vue file near 250)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_PYTHON_LINES = 300
MAX_VUE_LINES = 250
# Over the limit when this test was written, in other helpers' areas; each is split after
# the merge and then leaves this list (the test fails while a listed file is back under
# the limit, so the list stays true).
KNOWN_LONG: set[str] = set()


def _lines(path: Path) -> int:
    return len(path.read_text("utf-8").splitlines())


def _over(folder: str, pattern: str, limit: int) -> set[str]:
    return {
        str(p.relative_to(ROOT))
        for p in (ROOT / folder).rglob(pattern)
        if "node_modules" not in p.parts and _lines(p) > limit
    }


def test_import_contracts_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    assert lint_imports(no_cache=True, no_logo=True) == 0, "see the broken contract above"


def test_no_python_module_holds_two_things() -> None:
    long = _over("backend", "*.py", MAX_PYTHON_LINES) | _over("scripts", "*.py", MAX_PYTHON_LINES)
    assert long - KNOWN_LONG == set(), f"over {MAX_PYTHON_LINES} lines: split them"
    assert KNOWN_LONG - long == set(), "back under the limit: take it off KNOWN_LONG"


def test_no_vue_component_holds_two_things() -> None:
    assert _over("web/src", "*.vue", MAX_VUE_LINES) == set()
