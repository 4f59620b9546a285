"""Table rows as lines of text, shared by the XLSX and CSV readers.

With a header row each data row becomes ``header1: value1; header2: value2``, so that a
row still says what its numbers are after the splitter has cut it away from the header.
Without one, cells are joined by `` | ``. A budget caps the cells read from one file: a
sheet can claim a million rows of sixteen thousand columns.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence

MAX_CELLS = 200_000
_NUMBER_OR_DATE = re.compile(r"^[-+]?[\d.,:/ %$¥€Ee-]+$")


class CellBudget:
    """How many more cells may be read; shared by every sheet of one file."""

    def __init__(self, cells: int | None = None) -> None:
        self.limit = cells if cells is not None else MAX_CELLS
        self.remaining = self.limit

    @property
    def exhausted(self) -> bool:
        return self.remaining <= 0

    def note(self) -> str:
        return f"[Truncated: only the first {self.limit:,} cells of this file were imported.]"


def cell_text(value: object) -> str:
    """A spreadsheet value as text: integral floats without ".0", dates without midnight."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return " ".join(str(value).split())


def rows_to_lines(rows: Iterable[Sequence[str]], budget: CellBudget) -> list[str]:
    """Lines for the rows (empty rows skipped), stopping when the budget runs out."""
    table: list[list[str]] = []
    for row in rows:
        budget.remaining -= max(len(row), 1)
        cells = _trim(row)
        if cells:
            table.append(cells)
        if budget.exhausted:
            break
    if not table:
        return []
    if len(table) > 1 and _is_header(table[0]):
        header = table[0]
        return [_labelled(header, cells) for cells in table[1:]]
    return [" | ".join(cells) for cells in table]


def _trim(row: Sequence[str]) -> list[str]:
    cells = [" ".join(cell.split()) for cell in row]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def _is_header(cells: list[str]) -> bool:
    filled = [cell for cell in cells if cell]
    return (
        len(filled) >= 2
        and len(set(filled)) == len(filled)
        and not any(_NUMBER_OR_DATE.match(cell) for cell in filled)
    )


def _labelled(header: list[str], cells: list[str]) -> str:
    pairs = []
    for index, value in enumerate(cells):
        if not value:
            continue
        name = header[index] if index < len(header) and header[index] else f"Column {index + 1}"
        pairs.append(f"{name}: {value}")
    return "; ".join(pairs)
