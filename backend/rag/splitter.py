"""Chinese-aware chunking: sentences, headings and pages, with small units for embedding.

A chunk is the passage a reader sees (a few hundred characters, one page, with the
heading it sits under). Its *units* are the sentences (at most ~150 characters) that get
one vector each: a long passage drowns a matching sentence in a single vector, so the
chunk is scored by its best unit (Qdrant multivector MaxSim, small-to-big retrieval).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

CHUNK_TARGET = 320
CHUNK_MAX = 480
UNIT_MAX = 150
UNIT_MERGE_BELOW = 24
OVERLAP_MAX = 120

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*$")
# A sentence ends after Chinese or ASCII end marks (with closing quotes), or at a newline.
# ASCII ';' is not an end: table rows come as "header: value; header: value" lines.
_SENTENCE_END = re.compile(r"(?<=[。！？；!?])[”’」』）)\"']*|(?<=[.])(?=\s)|\n")
_SOFT_BREAK = re.compile(r"(?<=[，、,：:])")


@dataclass
class Chunk:
    text: str
    page: int | None
    heading: str
    index: int = 0
    units: list[tuple[int, int]] = field(default_factory=list)

    def unit_texts(self) -> list[str]:
        return [self.text[a:b] for a, b in self.units]


def split_sentences(text: str) -> list[str]:
    """Sentences of a block, each at most UNIT_MAX characters, whitespace trimmed."""
    out: list[str] = []
    for piece in _SENTENCE_END.split(text):
        piece = piece.strip()
        if not piece:
            continue
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
    for pattern in (_SOFT_BREAK, re.compile(r"(?<=\s)")):
        cuts = [m.start() for m in pattern.finditer(window) if m.start() > UNIT_MAX // 3]
        if cuts:
            return cuts[-1]
    return UNIT_MAX


def _joiner(left: str, right: str) -> str:
    """No space between CJK text; one space between words."""
    if not left or not right:
        return ""
    if _is_cjk(left[-1]) or _is_cjk(right[0]):
        return ""
    return " "


def _is_cjk(ch: str) -> bool:
    return "\u3000" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef"


class _ChunkBuilder:
    def __init__(self) -> None:
        self.chunks: list[Chunk] = []
        self.sentences: list[str] = []
        self.page: int | None = None
        self.heading = ""

    def size(self) -> int:
        return sum(len(s) for s in self.sentences)

    def add(self, sentence: str) -> None:
        if self.sentences and self.size() + len(sentence) > CHUNK_MAX:
            self.flush(overlap=True)
        self.sentences.append(sentence)
        if self.size() >= CHUNK_TARGET:
            self.flush(overlap=True)

    def flush(self, overlap: bool = False) -> None:
        if not self.sentences:
            return
        self.chunks.append(_assemble(self.sentences, self.page, self.heading))
        tail = self.sentences[-1]
        self.sentences = [tail] if overlap and len(tail) <= OVERLAP_MAX else []
        if overlap and len(self.sentences) == 1 and len(self.chunks[-1].units) == 1:
            self.sentences = []  # a one-sentence chunk would only repeat itself


def _assemble(sentences: list[str], page: int | None, heading: str) -> Chunk:
    """Join sentences into one text and group them into embedding units."""
    text = ""
    spans: list[tuple[int, int]] = []
    for sentence in sentences:
        text += _joiner(text, sentence)
        spans.append((len(text), len(text) + len(sentence)))
        text += sentence
    units: list[tuple[int, int]] = []
    for start, end in spans:
        if units and (
            end - units[-1][0] <= UNIT_MERGE_BELOW * 2
            and units[-1][1] - units[-1][0] < UNIT_MERGE_BELOW
        ):
            units[-1] = (units[-1][0], end)
        else:
            units.append((start, end))
    return Chunk(text=text, page=page, heading=heading, units=units)


def split_pages(pages: Iterable[tuple[int | None, str]]) -> list[Chunk]:
    """Chunks of a document given as (page number, text) pairs, in order.

    A chunk never spans two pages, so its page is always known; headings start a new
    chunk and are remembered as its context across pages.
    """
    builder = _ChunkBuilder()
    for page, text in pages:
        builder.flush()
        builder.sentences = []
        builder.page = page
        for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
            for line in block.split("\n") if _has_heading(block) else [block]:
                heading = _HEADING.match(line.strip())
                if heading:
                    builder.flush()
                    builder.sentences = []
                    builder.heading = heading.group(2).strip()[:200]
                    continue
                for sentence in split_sentences(line):
                    builder.add(sentence)
    builder.flush()
    for number, chunk in enumerate(builder.chunks):
        chunk.index = number
    return builder.chunks


def _has_heading(block: str) -> bool:
    return any(_HEADING.match(line.strip()) for line in block.split("\n"))
