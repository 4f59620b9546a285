"""Chinese-aware chunking: sentences, headings and pages, with small units for embedding.

A chunk is the passage a reader sees (a few hundred characters, one page, with the path
of headings it sits under). Its *units* are the sentences (at most ~150 characters) that
get one vector each: a long passage drowns a matching sentence in a single vector, so the
chunk is scored by its best unit (Qdrant multivector MaxSim, small-to-big retrieval).

The stored text keeps the structure the reader found: each line of the source (a list
item with its marker, a table row, a line of code) starts a new line in the chunk, and
only sentences of one line are joined on one line. A unit never includes a list marker.
Headings are not part of the text; they make the chunk's heading path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from backend.rag.lines import (
    FENCE,
    HEADING,
    LIST_MARKER,
    SETEXT_UNDERLINE,
    is_cjk,
    is_decoration,
)
from backend.rag.normalize import fold
from backend.rag.sentences import sentence_spans

CHUNK_TARGET = 320
CHUNK_MAX = 480
UNIT_MAX = 150
UNIT_MERGE_BELOW = 24
OVERLAP_MAX = 120
HEADING_MAX = 200
HEADING_SEPARATOR = " › "

_SOFT_BREAK = re.compile(r"(?<=[，、,：:；;])")
_SPACE_BREAK = re.compile(r"(?<=\s)")
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+")


@dataclass
class Chunk:
    text: str
    page: int | None
    heading: str  # the heading path, outermost first: "第5章 传输层 › 端口"
    index: int = 0
    units: list[tuple[int, int]] = field(default_factory=list)
    headings: tuple[str, ...] = ()  # the same path as its parts

    def unit_texts(self) -> list[str]:
        """The units as the embedder gets them: folded (NFKC), so that '⽤' and '用'
        embed alike; the stored text and the unit offsets keep the original characters."""
        return [fold(self.text[a:b]) for a, b in self.units]


@dataclass(slots=True)
class _Sentence:
    text: str
    prefix: str = ""  # what comes before it on its line: a list marker, code indentation
    opens_line: bool = True
    continues: bool = False  # the rest of a sentence cut at UNIT_MAX


def split_sentences(text: str) -> list[str]:
    """Sentences of a block, each at most UNIT_MAX characters, whitespace trimmed.
    A line break always ends a sentence (the readers have joined wrapped lines)."""
    out: list[str] = []
    for line in text.split("\n"):
        for start, end in sentence_spans(line):
            out += _cut_long(line[start:end])
    return out


def _cut_long(piece: str) -> list[str]:
    out: list[str] = []
    while len(piece) > UNIT_MAX:
        cut = _best_cut(piece)
        out.append(piece[:cut].strip())
        piece = piece[cut:].strip()
    if piece:
        out.append(piece)
    return out


def _best_cut(piece: str) -> int:
    """Cut a long sentence at the last comma or space before UNIT_MAX, else hard."""
    window = piece[:UNIT_MAX]
    for pattern in (_SOFT_BREAK, _SPACE_BREAK):
        cuts = [m.start() for m in pattern.finditer(window) if m.start() > UNIT_MAX // 3]
        if cuts:
            return cuts[-1]
    return UNIT_MAX


def _joiner(left: str, right: str) -> str:
    """No space between CJK text; one space between words."""
    if not left or not right:
        return ""
    if is_cjk(left[-1]) or is_cjk(right[0]):
        return ""
    return " "


class _ChunkBuilder:
    def __init__(self) -> None:
        self.chunks: list[Chunk] = []
        self.sentences: list[_Sentence] = []
        self.length = 0  # characters in self.sentences
        self.page: int | None = None
        self.headings: list[tuple[int, str]] = []  # (level, title), outermost first

    def add(self, sentence: list[_Sentence]) -> None:
        """One sentence, as its pieces of at most UNIT_MAX: a chunk ends between two
        sentences, never inside one, unless the sentence alone is longer than a chunk."""
        length = sum(len(piece.text) for piece in sentence)
        if self.sentences and self.length + length > CHUNK_MAX:
            self.flush(overlap=True)
        if length > CHUNK_MAX:
            for piece in sentence:
                self.add([piece])
            return
        self.sentences += sentence
        self.length += length
        if self.length >= CHUNK_TARGET:
            self.flush(overlap=True)

    def add_line(self, line: str, segment: bool = True) -> None:
        """One line of the source: its marker or indentation, then its sentences."""
        prefix = _line_prefix(line)
        content = line[len(prefix) :].strip()
        spans = sentence_spans(content) if segment else [(0, len(content))]
        for number, (start, end) in enumerate(spans):
            pieces = _cut_long(content[start:end])
            self.add(
                [
                    _Sentence(
                        piece,
                        prefix if number == 0 else "",
                        opens_line=number == 0 and cut == 0,
                        continues=cut > 0,
                    )
                    for cut, piece in enumerate(pieces)
                ]
            )

    def enter_heading(self, level: int, title: str) -> None:
        self.flush()
        while self.headings and self.headings[-1][0] >= level:
            self.headings.pop()
        self.headings.append((level, title))

    def flush(self, overlap: bool = False) -> None:
        """Close the chunk; with ``overlap`` its last sentence, if short, opens the next."""
        if not self.sentences:
            return
        titles = _heading_path([title for _, title in self.headings])
        self.chunks.append(_assemble(self.sentences, self.page, titles))
        start = len(self.sentences) - 1
        while start > 0 and self.sentences[start].continues:
            start -= 1
        tail = self.sentences[start:]
        length = sum(len(piece.text) for piece in tail)
        # A one-unit chunk would only repeat itself.
        keep = overlap and length <= OVERLAP_MAX and len(self.chunks[-1].units) > 1
        self.sentences, self.length = (tail, length) if keep else ([], 0)


def _line_prefix(line: str) -> str:
    quote = _QUOTE.match(line)
    at = quote.end() if quote else 0
    marker = LIST_MARKER.match(line, at)
    return line[: marker.end() if marker else at] if marker or quote else _indentation(line)


def _indentation(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _heading_path(titles: list[str]) -> tuple[str, ...]:
    """The path of headings, its outermost parts dropped first when it is too long."""
    titles = [title[:HEADING_MAX] for title in titles]
    while len(titles) > 1 and len(HEADING_SEPARATOR.join(titles)) > HEADING_MAX:
        titles.pop(0)
    return tuple(titles)


def _assemble(sentences: list[_Sentence], page: int | None, headings: tuple[str, ...]) -> Chunk:
    """Join sentences into one text, lines kept, and group them into embedding units."""
    text = ""
    spans: list[tuple[int, int]] = []
    for sentence in sentences:
        if not text:
            text = sentence.prefix.lstrip() if sentence.opens_line else ""
        elif sentence.opens_line:
            text += "\n" + sentence.prefix
        else:
            text += _joiner(text, sentence.text)
        spans.append((len(text), len(text) + len(sentence.text)))
        text += sentence.text
    units: list[tuple[int, int]] = []
    for (start, end), sentence in zip(spans, sentences, strict=True):
        # Short sentences share a vector, but a list item is quoted alone, never with
        # the end of the item before it.
        item = sentence.opens_line and sentence.prefix.strip()
        if (
            units
            and not item
            and end - units[-1][0] <= UNIT_MERGE_BELOW * 2
            and units[-1][1] - units[-1][0] < UNIT_MERGE_BELOW
        ):
            units[-1] = (units[-1][0], end)
        else:
            units.append((start, end))
    heading = HEADING_SEPARATOR.join(headings)
    return Chunk(text=text, page=page, heading=heading, units=units, headings=headings)


def split_pages(pages: Iterable[tuple[int | None, str]]) -> list[Chunk]:
    """Chunks of a document given as (page number, text) pairs, in order.

    A chunk never spans two pages, so its page is always known; headings start a new
    chunk and are remembered as its context across pages. A heading is a "#" line or a
    line underlined with "===" or "---". Inside a code fence a line is one sentence and
    "#" starts a comment, not a heading.
    """
    builder = _ChunkBuilder()
    for page, text in pages:
        builder.flush()
        builder.page = page
        fenced = False
        lines = text.replace("\r\n", "\n").split("\n")
        for line, following in zip(lines, [*lines[1:], ""], strict=True):
            if FENCE.match(line):
                fenced = not fenced
            elif fenced:
                if line.strip():
                    builder.add_line(line.rstrip(), segment=False)
            elif heading := HEADING.match(line):
                builder.enter_heading(len(heading.group(1)), heading.group(2).strip())
            elif (underline := SETEXT_UNDERLINE.match(following)) and line.strip():
                builder.enter_heading(1 if underline.group(1) == "=" else 2, line.strip())
            elif line.strip() and not is_decoration(line):
                builder.add_line(line)
    builder.flush()
    for number, chunk in enumerate(builder.chunks):
        chunk.index = number
    return builder.chunks
