"""What a question pins down in its words: identifiers (model numbers, years, codes,
names) and whether it asks for an amount."""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-.]*[A-Za-z0-9]|[A-Za-z0-9]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
_QUANTITY = re.compile(
    r"how (many|much|long|big|old|far|heavy)|what (is|was|are) the (price|cost|number|amount|"
    r"size|weight|fee|port)|多少|几|多久|多长|多大|多重|多高|哪年|何时",
    re.IGNORECASE,
)


# The words that ask ("how long") name the answer's type, not its subject: the
# passage that answers "How long can I borrow?" says "21 days", never "long". Counted as
# terms to cover, they made a short question about the knowledge base's own content
# look half-unmatched (relevance.py) and rewarded passages that merely say "long".
# English only: "long", "much", "old" are content words elsewhere; Chinese asks with
# words of its own (多少, 几) that BM25 weighs little and that moved no measure here.
_INTERROGATIVE = re.compile(
    r"\bhow (many|much|long|big|old|far|heavy|often|soon)\b",
    re.IGNORECASE,
)


def subject_words(question: str) -> str:
    """The question without the words that ask for the answer's type."""
    return _INTERROGATIVE.sub(" ", question)


# What "how many" counts: the word after it ("how many employees" -> "employees").
_COUNTED = re.compile(r"\bhow (?:many|much)\s+([A-Za-z][\w-]*)", re.IGNORECASE)


def counted(question: str) -> str:
    """The thing a "how many" question counts; its number is the one near that word."""
    found = _COUNTED.search(question)
    return found.group(1) if found else ""


_LATIN = re.compile(r"[A-Za-z]{4,}")


def word_prefixes(text: str) -> set[str]:
    """Five letters of each English word without a plural 's', so that 'book' meets
    'books' and 'employees' meets 'employed' where the stemmer parts them ('class' keeps
    its 'ss')."""
    words = (w.lower() for w in _LATIN.findall(text))
    return {(w[:-1] if w.endswith("s") and not w.endswith("ss") else w)[:5] for w in words}


def asks_quantity(question: str) -> bool:
    return bool(_QUANTITY.search(question))


def new_numbers(text: str, question: str) -> bool:
    known = set(_NUMBER.findall(question))
    return any(n not in known for n in _NUMBER.findall(text))


def identifiers(question: str) -> list[str]:
    words = _WORD.findall(question)
    found = []
    for position, word in enumerate(words):
        has_digit = any(ch.isdigit() for ch in word)
        named = word[0].isupper() and (position > 0 or word.isupper()) and len(word) > 1
        if has_digit or named or "_" in word or "-" in word[1:]:
            found.append(word)
    return found
