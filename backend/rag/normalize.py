"""Text normalisation shared by import, search and matching."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Compatibility forms folded for search and matching (NFKC: '⽤' -> '用', full-width
    digits and letters -> ASCII). It may change the length, so it is applied to what is
    searched and compared, never to the stored text whose offsets are cited."""
    return unicodedata.normalize("NFKC", text)
