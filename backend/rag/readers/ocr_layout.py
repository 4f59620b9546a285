"""From the detector's map to text lines, and from recognised lines to paragraphs.

Regions: the "text here" map is thresholded and split into connected regions (8-neighbour,
found row by row over runs of set pixels, so numpy and a small union-find suffice where
OpenCV is usually used). A region keeps its bounding box when the map is confident over
it, and the box is grown by the margin the DB detector was trained to shrink text by.

Reading order: boxes that share most of their height are one row, read left to right;
rows are read top to bottom. A new paragraph starts after a gap clearly larger than the
page's usual line gap, at an indented row (Chinese paragraphs open with an indent), or
after a row that stops well short of the right edge (a paragraph's last line, a title)
unless it stops on a comma. Rows of
one paragraph are joined as the language writes: Chinese with nothing between, English
with a space, a word hyphenated at a row's end closed up again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from statistics import median
from typing import TYPE_CHECKING

import numpy as np

from backend.rag.lines import CJK_RANGES

if TYPE_CHECKING:
    from .ocr import OcrLine

MAP_THRESHOLD = 0.3  # a pixel is "text" above this probability
UNCLIP_RATIO = 1.6  # DB shrinks each text box by area * (1 - 0.4^2) / perimeter; undo that
MIN_SIDE = 3
_CJK_END = re.compile(f"[{CJK_RANGES}]$")
_CJK_START = re.compile(f"^[{CJK_RANGES}]")
_CONTINUES = re.compile(r"[,，、;；:：\-]$")


@dataclass(frozen=True)
class TextBox:
    left: int
    top: int
    right: int
    bottom: int

    @property
    def height(self) -> int:
        return self.bottom - self.top

    def scaled(self, sx: float, sy: float) -> TextBox:
        return TextBox(
            int(self.left * sx), int(self.top * sy), round(self.right * sx), round(self.bottom * sy)
        )

    def clipped(self, width: int, height: int) -> TextBox:
        return TextBox(
            max(0, self.left), max(0, self.top), min(width, self.right), min(height, self.bottom)
        )


def find_regions(probability: np.ndarray, box_threshold: float) -> list[TextBox]:
    mask = probability > MAP_THRESHOLD
    mask[1:, 1:] |= mask[:-1, :-1]  # the 2x2 dilation DB post-processing uses
    parent: list[int] = []
    boxes: list[list[float]] = []  # left, top, right, bottom, probability sum, pixels

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    previous: list[tuple[int, int, int]] = []  # start, end, run id
    for y in range(mask.shape[0]):
        edges = np.flatnonzero(np.diff(mask[y].astype(np.int8), prepend=0, append=0))
        current = []
        for start, end in zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True):
            run = len(parent)
            parent.append(run)
            total = float(probability[y, start:end].sum())
            boxes.append([start, y, end, y + 1, total, end - start])
            for p_start, p_end, p_run in previous:
                if p_start <= end and start <= p_end:  # touching, diagonals included
                    a, b = root(p_run), root(run)
                    if a != b:
                        parent[b] = a
            current.append((start, end, run))
        previous = current
    merged: dict[int, list[float]] = {}
    for run, box in enumerate(boxes):
        r = root(run)
        if r not in merged:
            merged[r] = box
            continue
        into = merged[r]
        into[0], into[1] = min(into[0], box[0]), min(into[1], box[1])
        into[2], into[3] = max(into[2], box[2]), max(into[3], box[3])
        into[4] += box[4]
        into[5] += box[5]
    return [_unclip(box) for box in merged.values() if _is_text(box, box_threshold)]


def _is_text(box: list[float], box_threshold: float) -> bool:
    width, height = box[2] - box[0], box[3] - box[1]
    return min(width, height) >= MIN_SIDE and box[4] / box[5] >= box_threshold


def _unclip(box: list[float]) -> TextBox:
    left, top, right, bottom = box[:4]
    width, height = right - left, bottom - top
    margin = width * height * UNCLIP_RATIO / (2 * (width + height))
    return TextBox(
        int(left - margin), int(top - margin), round(right + margin), round(bottom + margin)
    )


def page_text(lines: list[OcrLine]) -> str:
    """The page's text: paragraphs in reading order, separated by blank lines."""
    rows = _rows(lines)
    if not rows:
        return ""
    heights = [max(line.box.height for line in row) for row in rows]
    unit = median(heights)
    gaps = [b[0].box.top - max(x.box.bottom for x in a) for a, b in pairwise(rows)]
    usual_gap = median(gaps) if gaps else 0
    left = min(row[0].box.left for row in rows)
    right = max(row[-1].box.right for row in rows)
    paragraphs: list[str] = []
    text = ""
    for index, row in enumerate(rows):
        row_text = _join([line.text for line in row])
        starts_new = index > 0 and (
            gaps[index - 1] > usual_gap + 0.5 * unit  # a blank line or more
            or row[0].box.left > left + 0.8 * unit  # an indented first line
            or _ends_paragraph(rows[index - 1], right - 2 * unit)
        )
        if starts_new:
            paragraphs.append(text)
            text = row_text
        else:
            text = _join([text, row_text]) if text else row_text
    paragraphs.append(text)
    return "\n\n".join(p for p in paragraphs if p)


def _ends_paragraph(row: list[OcrLine], full_width: float) -> bool:
    """A row that stops short of the text's right edge ends its paragraph (a last line, a
    title), unless it stops on a mark that says the sentence goes on (a comma)."""
    return row[-1].box.right < full_width and not _CONTINUES.search(row[-1].text)


def _rows(lines: list[OcrLine]) -> list[list[OcrLine]]:
    rows: list[list[OcrLine]] = []
    for line in sorted(lines, key=lambda x: (x.box.top + x.box.bottom) / 2):
        if rows:
            last = rows[-1]
            top = max(x.box.top for x in last)
            bottom = min(x.box.bottom for x in last)
            shared = min(bottom, line.box.bottom) - max(top, line.box.top)
            if shared >= 0.5 * min(line.box.height, bottom - top):
                last.append(line)
                continue
        rows.append([line])
    return [sorted(row, key=lambda x: x.box.left) for row in rows]


def _join(pieces: list[str]) -> str:
    """Join the pieces of one row or the rows of one paragraph as the language writes."""
    text = pieces[0]
    for piece in pieces[1:]:
        if _CJK_END.search(text) or _CJK_START.search(piece):
            text += piece
        elif text.endswith("-") and piece[:1].islower() and text[-2:-1].isalpha():
            text = text[:-1] + piece
        else:
            text += " " + piece
    return text
