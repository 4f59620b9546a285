"""Which language a text is in, and the one sentence every answerer says when the
knowledge base holds nothing about the question. Used by the relevance judgement and
the answerers alike, so it sits below both."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal

Language = Literal["zh", "en"]
_CJK = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")

NOT_FOUND = {
    "zh": "抱歉，知识库中没有找到与这个问题相关的内容。",
    "en": "Sorry, I could not find anything about this in the knowledge base.",
}


# Retrieval keeps only the candidates in the question's language for the keyword list,
# and the next question mostly meets the same chunks again.
DETECTED_TEXTS = 4096


@lru_cache(maxsize=DETECTED_TEXTS)
def detect_language(text: str) -> Language:
    """Chinese when a fair share of the letters are Han characters."""
    han = len(_CJK.findall(text))
    letters = sum(map(str.isalpha, text))  # a third faster than a generator, per chunk
    return "zh" if han and han >= 0.2 * max(letters, 1) else "en"
