"""Text normalisation shared by import, search and matching."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

# One question's re-rank folds each candidate several times (constraints, boilerplate,
# keyword terms), and the next question mostly meets the same chunks again: NFKC costs
# about 45 us for 300 Chinese characters (their full-width punctuation always changes).
FOLDED_TEXTS = 4096


@lru_cache(maxsize=FOLDED_TEXTS)
def fold(text: str) -> str:
    """Compatibility forms folded for search and matching (NFKC: '⽤' -> '用', full-width
    digits and letters -> ASCII). It may change the length, so it is applied to what is
    searched and compared, never to the stored text whose offsets are cited."""
    return unicodedata.normalize("NFKC", text)
