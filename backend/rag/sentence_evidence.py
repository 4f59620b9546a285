"""Which sentence of a passage a question's words point to, weighed within the passage.

The retriever scores each sentence by how many of the question's terms it holds. Inside
one passage that favours the sentence naming the passage's subject: an encyclopedia
entry opens with "X, a fish of the family Y", and the question "What does X eat?"
shares "X" with that opening far more than with "It feeds on small fish", which holds
the answer. Two mechanisms tell the sentences apart:

- a term's weight is its rarity among the passage's own sentences (an IDF over the
  passage), and a term that the passage's opening sentence, file name or heading holds
  names the topic, so it says little about WHICH sentence answers;
- the question's focus, the words right around its question word ("以什么为食",
  "西边是什么地方", "what year did ...") weigh more than the subject: they are what the
  answer sentence repeats.

Terms are Han character pairs, English word stems and numbers, so that nothing depends
on a word list of the domain; across languages only numbers and Latin names meet.
"""

from __future__ import annotations

import math
import re

from backend.rag.reference import opening_subject, points_back

FOCUS_WEIGHT = 3.0
TOPIC_WEIGHT = 0.3
FOCUS_REACH = 2
# how far back the asked phrase before a Chinese question word reaches
PHRASE_REACH = 4

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+(?:[.,]\d+)?")
# The Chinese words that ask; the characters next to them are the question's focus.
_ASKING = re.compile(r"为什么|什么|怎么样|怎么|怎样|如何|哪[里儿些个位种一家座国年]?|谁|多少|几|何")
# Characters that stand between a question word and its focus without meaning anything.
_GLUE = "是的了有在为被"
_ENGLISH_ASKING = re.compile(r"\b(what|which|who|whom|whose|when|where|why|how)\b", re.I)
_STOP_WORDS = (
    "the a an of in on at to for by with from and or is are was were be been did do "
    "does what which who whom whose when where why how that this these those it its "
    "as has have had many much long"
)
_STOP = frozenset(_STOP_WORDS.split())


def _stem(word: str) -> str:
    """A rough English stem: 'opened', 'opens' and 'opening' meet 'open'."""
    word = word.lower()
    for ending in ("ing", "ed", "es", "s"):
        if word.endswith(ending) and not word.endswith("ss") and len(word) > len(ending) + 2:
            word = word[: -len(ending)]
            break
    return word[:5]


def terms(text: str) -> set[str]:
    """Han character pairs (single characters for a lone one), English stems, numbers."""
    found: set[str] = set()
    for run in _HAN.findall(text):
        if len(run) == 1:
            found.add(run)
        found.update(run[i : i + 2] for i in range(len(run) - 1))
    for word in _LATIN.findall(text):
        if word.lower() not in _STOP:
            found.add(_stem(word))
    return found


def _asking_spans(question: str) -> list[tuple[int, int]]:
    return [m.span() for m in _ASKING.finditer(question)]


def _han_terms(question: str) -> dict[str, tuple[int, int]]:
    """The question's Han character pairs that hold no asking character, with where each
    sits; "什么", "以什" and "么为" are how the question asks, not what it is about, and
    so is the glue just before a question word ("镇在" of "青河镇在哪里")."""
    asking = [(_glue_start(question, a), b) for a, b in _asking_spans(question)]
    found: dict[str, tuple[int, int]] = {}
    for run in _HAN.finditer(question):
        for i in range(run.start(), run.end() - 1):
            if not any(a < i + 2 and i < b for a, b in asking):
                found.setdefault(question[i : i + 2], (i, i + 2))
    return found


def _han_focus(question: str) -> set[str]:
    """The character pairs that name what is asked, on either side of each Chinese question
    word. Before it: the phrase that ends at the glue characters in between and reaches
    back to "的" (the attribute of "X的分布区域是哪些" -> 分布, 布区, 区域; without a "的"
    the two characters before), never a pair across the glue ("镇在" of "青河镇在哪里"
    names no asked thing). After it: the next characters, glue included ("以什么为食" ->
    为食, which the answer repeats)."""
    found: set[str] = set()
    pairs = _han_terms(question)
    for a, b in _asking_spans(question):
        end = _glue_start(question, a)
        start = end
        while start > 0 and end - start < PHRASE_REACH and _is_han(question[start - 1]):
            if question[start - 1] == "的":
                break
            start -= 1
        if start == 0 or question[start - 1] != "的":
            start = max(start, end - FOCUS_REACH)  # no "X的" phrase: the nearest word
        after = b
        while after < len(question) and question[after] in _GLUE and after - b < 1:
            after += 1
        high = after + FOCUS_REACH
        found.update(
            t for t, (i, j) in pairs.items() if (start <= i and j <= end) or (b <= i and j <= high)
        )
        if end - start == 1:
            # a one-character attribute ("X的蛋有什么特征"): no character pair holds it
            found.add(question[end - 1])
    return found


def _glue_start(question: str, asking: int) -> int:
    """Where the glue characters right before a question word begin."""
    while asking > 0 and question[asking - 1] in _GLUE:
        asking -= 1
    return asking


def _is_han(char: str) -> bool:
    return bool(_HAN.match(char))


def _english_focus(question: str) -> set[str]:
    """The words right after the English question word ("what year", "how many people")
    and the question's last word, where English puts the asked verb ("When did the
    bridge open?")."""
    found: set[str] = set()
    for asking in _ENGLISH_ASKING.finditer(question):
        words = [w for w in _LATIN.findall(question[asking.end() :]) if w.lower() not in _STOP]
        found.update(_stem(w) for w in words[:FOCUS_REACH])
    if _ENGLISH_ASKING.search(question):
        words = [w for w in _LATIN.findall(question) if w.lower() not in _STOP]
        found.update(_stem(w) for w in words[-1:])
    return found


def question_weights(question: str) -> dict[str, float]:
    """Each term of the question with its weight as evidence: the focus weighs more."""
    focus = _han_focus(question) | _english_focus(question)
    latin = {_stem(w) for w in _LATIN.findall(question) if w.lower() not in _STOP}
    asked = latin | set(_han_terms(question)) | focus
    return {t: (FOCUS_WEIGHT if t in focus else 1.0) for t in asked}


def evidence(question: str, sentences: list[str], topic: str = "") -> list[float]:
    """For each sentence, the share of the question's weighted evidence it holds (0..1).
    A term's weight is its focus weight times its rarity among these sentences; a term of
    the topic (the passage's opening sentence, its file name or heading) counts less."""
    asked = question_weights(question)
    held = [terms(s) | set(s) for s in sentences]  # single characters meet a one-character focus
    if not asked or not held:
        return [0.0] * len(sentences)
    subject = terms(opening_subject(sentences[0]))
    # a sentence that points back to the opening's subject ("本鱼…", "It …") holds it too
    held = [h | subject if n and points_back(sentences[n]) else h for n, h in enumerate(held)]
    topical = terms(topic) | held[0]
    count = len(held)
    weights: dict[str, float] = {}
    for term, focus in asked.items():
        df = sum(term in h for h in held)
        if df == 0:
            continue
        rarity = math.log(1 + count / df)
        weights[term] = focus * rarity * (TOPIC_WEIGHT if term in topical else 1.0)
    total = sum(weights.values())
    if total <= 0:
        return [0.0] * len(sentences)
    return [sum(w for t, w in weights.items() if t in h) / total for h in held]
