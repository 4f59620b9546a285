"""Turn the bytes of a plain-text file (TXT, MD, CSV, JSON, HTML) into a string.

Order: a byte-order mark, then strict UTF-8, then UTF-16 without a BOM, then a contest
between GB18030 and Big5, then charset-normalizer. Chinese gets its own contest because
charset-normalizer often guesses wrong on short Chinese text: GBK bytes are usually also
valid Big5 and the other way round, but decode to rare characters, kana or private-use
code points. So each candidate is scored by how many of its non-ASCII characters are
common Chinese characters or punctuation.
"""

from __future__ import annotations

import codecs
from functools import lru_cache

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 LE must be tested before UTF-16 LE: its BOM starts with the same two bytes.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# cp950 is Big5 as Windows writes it (a superset of plain Big5).
CHINESE_CANDIDATES = ("gb18030", "cp950")
# Below this share of plausible characters, neither Chinese reading is trusted.
_MIN_CHINESE_SCORE = 0.6
# Aliases a web page may declare, mapped to the superset codec that reads them.
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "cp950", "x-gbk": "gb18030"}


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode ``data`` with the best guess of its encoding; never raises on bad bytes."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if declared:
        text = _try_decode(data, _SUPERSETS.get(declared.lower(), declared))
        if text is not None:
            return text
    text = _try_decode(data, "utf-8")
    if text is not None:
        return text
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return data.decode(utf16, errors="replace")
    return _decode_legacy(data)


def canonical_codec(name: str) -> str | None:
    """The codec Python uses for a declared charset name, or None if it is unknown."""
    try:
        return codecs.lookup(_SUPERSETS.get(name.lower(), name)).name
    except LookupError:
        return None


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def looks_like_utf16(data: bytes) -> bool:
    """True for BOM-less UTF-16: mostly-ASCII text has a NUL in every other byte."""
    return _utf16_without_bom(data) is not None


def _utf16_without_bom(data: bytes) -> str | None:
    """Spot BOM-less UTF-16 by its NUL bytes: mostly-ASCII text has one in every pair."""
    sample = data[:4096]
    pairs = len(sample) // 2
    if pairs < 2:
        return None
    even_nuls = sample[0 : pairs * 2 : 2].count(0)
    odd_nuls = sample[1 : pairs * 2 : 2].count(0)
    if odd_nuls > 0.3 * pairs and even_nuls < 0.05 * pairs:
        return "utf-16-le"
    if even_nuls > 0.3 * pairs and odd_nuls < 0.05 * pairs:
        return "utf-16-be"
    return None


def _decode_legacy(data: bytes) -> str:
    best_text, best_score = None, 0.0
    for encoding in CHINESE_CANDIDATES:
        text = _try_decode(data, encoding)
        if text is not None and (score := chinese_score(text)) > best_score:
            best_text, best_score = text, score
    if best_text is not None and best_score >= _MIN_CHINESE_SCORE:
        return best_text

    import charset_normalizer  # only needed for non-Chinese legacy encodings

    match = charset_normalizer.from_bytes(data).best()
    if match is not None:
        return str(match)
    if best_text is not None:
        return best_text
    return data.decode("gb18030", errors="replace")


def chinese_score(text: str) -> float:
    """Share of the non-ASCII characters that are common Chinese characters or punctuation."""
    common = _common_chinese()
    total = good = 0
    for char in text:
        if char < "\x80":
            continue
        total += 1
        code = ord(char)
        if (
            char in common
            or 0x3000 <= code <= 0x303F  # CJK punctuation: 、。《》「」
            or 0xFF01 <= code <= 0xFF5E  # full-width forms: ，！？（）
            or 0x2010 <= code <= 0x2027  # dashes, curly quotes, ellipsis
        ):
            good += 1
    return good / total if total else 0.0


@lru_cache(maxsize=1)
def _common_chinese() -> frozenset[str]:
    """The level-1 (frequent) characters of GB2312 and of Big5, read out of the codecs."""
    chars: set[str] = set()
    for lead in range(0xB0, 0xD8):  # GB2312 level 1: 3,755 simplified characters
        for trail in range(0xA1, 0xFF):
            chars.update(bytes((lead, trail)).decode("gb2312", errors="ignore"))
    for lead in range(0xA4, 0xC7):  # Big5 level 1: 5,401 traditional characters
        for trail in (*range(0x40, 0x7F), *range(0xA1, 0xFF)):
            chars.update(bytes((lead, trail)).decode("cp950", errors="ignore"))
    return frozenset(c for c in chars if "\u4e00" <= c <= "\u9fff")
