"""The small files of the small-files benchmark: the public sets' paragraphs cut at
sentence ends into pieces of 100 to 1,000 characters, zh and en, each its own file."""

from __future__ import annotations

import random
import re

from scripts.bench.e5_corpus import paragraphs

SENTENCE_END = re.compile(r"(?<=[。！？!?；])|(?<=[.!?;])\s+")


def pieces(text: str, rng: random.Random) -> list[str]:
    """Cut a paragraph at sentence ends into pieces of 100 to 1,000 characters (a target
    length drawn per piece, shorter ones likelier: short notes are the hard case)."""
    out, current = [], ""
    target = _target(rng)
    for sentence in (s.strip() for s in SENTENCE_END.split(text)):
        if not sentence:
            continue
        joiner = " " if current and sentence[:1].isascii() else ""
        current = f"{current}{joiner}{sentence}"[:1000]
        if len(current) >= target:
            out.append(current)
            current, target = "", _target(rng)
    if len(current) >= 100:
        out.append(current)
    elif current and out and len(out[-1]) + len(current) <= 1000:
        out[-1] += current
    return out


def _target(rng: random.Random) -> int:
    return int(100 * 10 ** rng.random())  # log-uniform over 100..1000


def generate(count: int) -> dict[str, str]:
    """{filename: text}: zh and en pieces, alternating .txt and .md."""
    sets = [("zh", "cmrc2018_dev.json"), ("en", "xquad.en.json"), ("zh", "xquad.zh.json")]
    sources = [(lang, p["context"]) for lang, name in sets for p in paragraphs(name)]
    files: dict[str, str] = {}
    seen: set[str] = set()
    for edition in range(20):
        rng = random.Random(edition)
        for number, (lang, text) in enumerate(sources):
            for part, piece in enumerate(pieces(text, rng)):
                if piece in seen:
                    continue
                seen.add(piece)
                n = len(files)
                suffix = "md" if n % 2 else "txt"
                body = (
                    f"# {lang} {edition}-{number}-{part}\n\n{piece}\n" if suffix == "md" else piece
                )
                files[f"{n:05d}-{lang}.{suffix}"] = body
                if len(files) == count:
                    return files
    return files
