"""XLSX: each sheet under a ``## Sheet: <name>`` heading, one line per row.

openpyxl in read-only mode streams the rows, and data-only mode gives the values that
Excel last computed rather than the formulas.
"""

from __future__ import annotations

import warnings

import openpyxl

from .archive import open_package
from .document import PageText, ParsedDocument, build_document
from .rows import CellBudget, cell_text, rows_to_lines


def read_xlsx(data: bytes) -> ParsedDocument:
    with warnings.catch_warnings():
        # openpyxl warns about every extension it ignores (data validation, slicers...).
        warnings.simplefilter("ignore")
        workbook = openpyxl.load_workbook(open_package(data), read_only=True, data_only=True)
    try:
        budget = CellBudget()
        blocks: list[str] = []
        for sheet in workbook.worksheets:
            if budget.exhausted:
                break
            # The declared dimension can be wrong or inflated (one stray cell at XFD1048576
            # would pad every row to 16,384 columns): read each row as long as it really is.
            sheet.reset_dimensions()
            rows = (
                [cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)
            )
            lines = rows_to_lines(rows, budget)
            if lines:
                blocks.append("\n".join([f"## Sheet: {sheet.title}", *lines]))
        if budget.exhausted:
            blocks.append(budget.note())
        title = workbook.properties.title
    finally:
        workbook.close()
    return build_document([PageText(None, "\n\n".join(blocks))], title=title)
