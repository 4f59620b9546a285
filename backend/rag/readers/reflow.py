"""Hard-wrapped lines joined back into the paragraphs their authors wrote.

Plain text (licences, e-mails, READMEs) is often wrapped at a fixed column, and a PDF's
text layer breaks lines wherever the page did. Sentences cut by those breaks would be
split into fragments. A break between two lines is taken as a *wrap* when

- the next line's first word would not have fitted on this line (a filling editor or a
  typesetter would have put it there), or
- this line is long (at least 60% of the wrap column, indentation not counted) and does
  not end like a sentence or a clause (".", "。", ":", a closing quote ...);

and as a *real break* when the next line starts something of its own (a list item, a
heading, a table row, a code fence, a quote), when this line is a heading or table row,
or when the indentation changes other than after a paragraph's indented first line or
under a list item's hanging indent (centred title lines, code, a nested block). Short
lines (verse, addresses, a title page) stay as they are. The wrap column is the 90th
percentile of the line widths; text whose lines are longer than any wrapping editor
would make, or whose lines seldom reach that column, is left alone. Text inside code
fences is never joined.

A wrapped Chinese line joins the next with no space, a Latin one with one space. A word
broken with a hyphen at the line's end is joined without the break. Whether the hyphen
is the word's own or the typesetter's is read from the document itself, no dictionary:
kept when the document writes the word hyphenated elsewhere ("well-known"), dropped when
it writes it closed ("implementation"); failing both, kept when both halves are words the
document also uses on their own ("well", "known"), dropped when one is not ("implemen-",
"-tation": a syllable, not a word).
"""

from __future__ import annotations

import re
from itertools import pairwise

from backend.rag.lines import (
    CJK_RANGES,
    FENCE,
    LINE_END_MARKS,
    LIST_MARKER,
    indent,
    is_cjk,
    starts_block,
    width,
)

_LONG_SHARE = 0.6
_NEAR_SHARE = 0.8  # a line this close to the column ran into it
_WRAPPED_SHARE = 0.5  # text is hard-wrapped when this share of its lines ran into it
_MIN_WRAP = 30  # narrower than this, lines are short on purpose (verse, lists)
_MAX_WRAP = 160  # wider than this, every line is a paragraph of its own
_MIN_LINES = 3  # with fewer lines the wrap column is unknown
_HYPHENATED = re.compile(r"([A-Za-z]+)-$")
_FIRST_WORD = re.compile(rf"[{CJK_RANGES}]|[^\s{CJK_RANGES}]+")
_WORDS = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")


def reflow(text: str, typeset: bool = False) -> str:
    """``text`` with wrapped lines joined; blank lines and real breaks kept. ``typeset``
    text (a PDF page) is known to be wrapped: every full line of it ran to the margin."""
    lines = text.split("\n")
    column = _wrap_column(lines, typeset)
    if column is None:
        return text
    words = _vocabulary(lines)
    # Each output line as its pieces, joined once at the end (joining as we go would copy
    # a long paragraph once for every line of it).
    out: list[list[str]] = []
    fenced = False
    previous = before = ""
    for line in lines:
        fenced ^= bool(FENCE.match(line))
        if (
            out
            and not fenced
            and previous.strip()
            and line.strip()
            and _is_wrap(previous, line, column, opens=not before.strip())
        ):
            pieces = out[-1]
            pieces[-1], joint = _joint(pieces[-1], line.strip(), words)
            pieces += [joint, line.strip()]
        else:
            out.append([line])
        previous, before = line, previous
    return "\n".join("".join(pieces) for pieces in out)


def _vocabulary(lines: list[str]) -> set[str]:
    """The words the document writes whole: not the halves of a word broken at a line end."""
    words: set[str] = set()
    broken = False
    for line in lines:
        found = _WORDS.findall(line)
        if broken and found:
            found = found[1:]
        broken = line.rstrip().endswith("-") and bool(_HYPHENATED.search(line.rstrip()))
        if broken and found:
            found = found[:-1]
        words.update(word.lower() for word in found)
    return words


def _wrap_column(lines: list[str], typeset: bool) -> int | None:
    """The column the text is wrapped at, or None when it is not hard-wrapped.

    In wrapped text nearly every line followed by another runs close to the column (0.9
    to 0.99 of them in licence texts); in text whose lines are the author's own (notes,
    one statement a line) few do (about 0.1), even when some lines are as long."""
    widths = sorted(width(line.rstrip()) for line in lines if line.strip())
    if len(widths) < _MIN_LINES:
        return None
    column = widths[min(len(widths) - 1, int(0.9 * len(widths)))]
    if not _MIN_WRAP <= column <= _MAX_WRAP:
        return None
    if typeset:
        return column
    inner = [
        width(line.rstrip())
        for line, following in pairwise(lines)
        if line.strip() and following.strip()
    ]
    near = sum(1 for w in inner if w >= _NEAR_SHARE * column)
    return column if inner and near >= _WRAPPED_SHARE * len(inner) else None


def _is_wrap(line: str, following: str, column: int, opens: bool) -> bool:
    """Whether the break after ``line`` is a wrap; ``opens``: ``line`` starts a paragraph."""
    if starts_block(following) or (starts_block(line) and not LIST_MARKER.match(line)):
        return False
    # A paragraph's lines share one indentation, except a first line indented deeper and
    # the hanging lines of a list item; other changes (centred lines, code) are real.
    step = indent(following) - indent(line)
    if step and not (step < 0 and opens) and not (step > 0 and LIST_MARKER.match(line)):
        return False
    line = line.rstrip()
    word = _FIRST_WORD.match(following.lstrip())
    first = word.group() if word else ""
    gap = 0 if is_cjk(first[:1]) and is_cjk(line[-1]) else 1
    if width(line) + gap + width(first) > column:
        return True
    return line[-1] not in LINE_END_MARKS and width(line.strip()) >= _LONG_SHARE * column


def _joint(left: str, right: str, words: set[str]) -> tuple[str, str]:
    """``left`` (a hyphen dropped if it was the typesetter's) and what goes between it
    and ``right``."""
    broken = _HYPHENATED.search(left) if left.endswith("-") else None
    if broken:
        second = re.match(r"[a-z]+", right)
        if second:
            head, rest = broken.group(1).lower(), second.group().lower()
            if f"{head}-{rest}" in words:
                keep = True
            elif head + rest in words:
                keep = False
            else:
                keep = head in words and rest in words
            return (left if keep else left[:-1]), ""
        return left, ""
    if is_cjk(left[-1:]) or is_cjk(right[:1]):
        return left, ""
    return left, " "
