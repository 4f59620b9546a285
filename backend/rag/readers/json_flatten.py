"""JSON: one ``path.to.key: value`` line per scalar, so that every line says what it is.

JSON Lines (one document per line) in a .json file is read too. The walk keeps its own
stack: a document nested deeper than Python's recursion limit must not crash the reader.
"""

from __future__ import annotations

import json
from typing import Any

from .document import PageText, ParsedDocument, ReaderError, build_document
from .encoding import decode_text


def read_json(data: bytes) -> ParsedDocument:
    text = decode_text(data)
    try:
        value = _load(text)
    except RecursionError as error:
        raise ReaderError(
            "parse_failed", "This JSON file is nested too deeply to be read."
        ) from error
    except ValueError as error:
        raise ReaderError("parse_failed", f"This JSON file is not valid JSON ({error}).") from error
    return build_document([PageText(None, "\n".join(flatten(value)))])


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        lines = [line for line in text.splitlines() if line.strip()]
        if error.msg != "Extra data" or len(lines) < 2:
            raise
        return [json.loads(line) for line in lines]


def flatten(value: Any) -> list[str]:
    """``a.b[0].c: value`` lines in document order; empty containers are left out."""
    lines: list[str] = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            children = [(f"{path}.{key}" if path else str(key), v) for key, v in item.items()]
        elif isinstance(item, list):
            children = [(f"{path}[{index}]", v) for index, v in enumerate(item)]
        else:
            scalar = _scalar(item)
            if scalar:
                lines.append(f"{path}: {scalar}" if path else scalar)
            continue
        stack.extend(reversed(children))
    return lines


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(value.split())
    # true/false/null and numbers as JSON spells them; ensure_ascii=False keeps Chinese.
    return json.dumps(value, ensure_ascii=False)
