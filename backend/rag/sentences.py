"""Sentence boundaries in one line of mixed Chinese and English text.

The boundaries come from sentencex (Wikimedia's segmenter: MIT, Rust, wheels for Windows,
macOS and Linux). Its abbreviation lists and rules keep "U.S.", "Dr.", "e.g.", "Inc.",
initials ("J. R. R. Tolkien"), decimals, versions, URLs, e-mail addresses, file names and
code identifiers ("strm.avail_out") inside their sentence, and keep closing quotes and
brackets (」』”）) with the sentence they close. It costs about 25 µs a sentence, well
under the ~5 ms the embedder spends on one. pysbd was measured too: it cut URLs at
"?", left "」" at the start of the next sentence, and cost about 1 ms a sentence (a fifth
of embedding it), and it has had no release since 2021.

Four rules are our own, on top of sentencex:
- a piece with no letter, digit-word or ideograph of its own ("2. " of "1. Open. 2. Wait.")
  is a list number or a reference, not a sentence: it joins the sentence after it;
- the Chinese semicolon "；" ends a sentence too, as it did before: long Chinese sentences
  chain separate facts with it, and each fact is a better unit to embed and to quote;
- a Chinese end mark (。！？, with the closing quotes after it) always ends its sentence:
  sentencex keeps "。2011年…" together as if the mark were a decimal point and "。iPhone…"
  as if it closed an abbreviation, which a Chinese full stop never does (and Chinese
  sentences often open with a year or a number);
- a quotation embedded in a clause (「…。」 right after a word, not after a colon, a comma
  or the line's start) does not end the sentence at its own end mark: in "以「…。」为宗旨。"
  the sentence goes on after the closing quote.
"""

from __future__ import annotations

import re

import sentencex

# sentencex picks its abbreviation list by language; the English list also serves mixed
# text, and Chinese end marks are recognised whatever the language.
_LANGUAGE = "en"
_WORDLESS = re.compile(r"^[\W\d_]*$")
# after a Chinese semicolon or end mark, with the closing quotes after it
_CLOSERS = "”’」』）)\"'"
_CHINESE_BREAK = re.compile(rf"(?<=[；。！？])[{_CLOSERS}]*(?![{_CLOSERS}；。！？])")
_CLOSING_OPENER = {"」": "「", "』": "『", "”": "“"}
_QUOTED_STOP = re.compile(r"[。！？]([」』”])$")


def sentence_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``line``, whitespace trimmed, in order."""
    pieces: list[tuple[int, int]] = []
    at = 0
    pending: int | None = None  # start of a wordless piece waiting for its sentence
    for piece in sentencex.segment(_LANGUAGE, line):
        start, at = (at if pending is None else pending), at + len(piece)
        pending = None
        if _WORDLESS.match(line[start:at]):
            pending = start
        else:
            pieces.append((start, at))
    if pending is not None:
        if pieces:
            pieces[-1] = (pieces[-1][0], len(line))
        else:
            pieces.append((pending, len(line)))
    if _CHINESE_BREAK.search(line):
        pieces = [span for start, end in pieces for span in _chinese_breaks(line, start, end)]
    pieces = _join_embedded_quotations(line, pieces)
    spans: list[tuple[int, int]] = []
    for start, end in pieces:
        piece = line[start:end]
        stripped = piece.strip()
        if stripped:
            start += len(piece) - len(piece.lstrip())
            spans.append((start, start + len(stripped)))
    return spans


def _join_embedded_quotations(
    line: str, pieces: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    joined: list[tuple[int, int]] = []
    for start, end in pieces:
        if joined and _ends_in_embedded_quotation(line, *joined[-1]):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _ends_in_embedded_quotation(line: str, start: int, end: int) -> bool:
    piece = line[start:end].rstrip()
    closing = _QUOTED_STOP.search(piece)
    if closing is None:
        return False
    opener = piece.rfind(_CLOSING_OPENER[closing.group(1)])
    return opener > 0 and piece[opener - 1].isalnum()


def _chinese_breaks(line: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, at = [], start
    for match in _CHINESE_BREAK.finditer(line, start, end):
        if match.end() < end:
            spans.append((at, match.end()))
            at = match.end()
    spans.append((at, end))
    return spans
