"""CSV (and TSV or semicolon files named .csv): one line per row, labelled by the header."""

from __future__ import annotations

import csv
import io

from .document import PageText, ParsedDocument, ReaderError, build_document
from .encoding import decode_text
from .rows import CellBudget, rows_to_lines

_DELIMITERS = ",;\t|"


def read_csv(data: bytes) -> ParsedDocument:
    text = decode_text(data)
    budget = CellBudget()
    try:
        lines = rows_to_lines(csv.reader(io.StringIO(text), _dialect(text)), budget)
    except csv.Error as error:
        raise ReaderError("parse_failed", f"This CSV file cannot be read ({error}).") from error
    if budget.exhausted:
        lines.append(budget.note())
    return build_document([PageText(None, "\n".join(lines))])


def _dialect(text: str) -> type[csv.Dialect]:
    try:
        return csv.Sniffer().sniff(text[:8192], delimiters=_DELIMITERS)
    except csv.Error:  # one column, or too little text to tell
        return csv.excel
