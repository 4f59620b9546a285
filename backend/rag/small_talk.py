"""Small talk: greetings, thanks, farewells and questions about the assistant itself, and
short chat that shares no content word with any retrieved passage. They get a short
reply about wow-rag and its knowledge bases, with no citations, instead of quotes from
unrelated files.

Two mechanisms, both generic: the social and identity forms of a language (a greeting
opening the message, "who/what are you", "what can you do"), recognised by their shape
rather than by a topic; and a short question that nothing retrieved is relevant to and
whose content terms occur in none of the passages.
"""

from __future__ import annotations

import re

from backend.rag.passage import Passage

_SOCIAL = re.compile(
    r"^\W*(你好|您好|嗨|哈喽|哈啰|早上好|中午好|下午好|晚上好|早安|晚安|谢谢|多谢|感谢|再见|拜拜|"
    r"hello|hi|hey|howdy|greetings|good (morning|afternoon|evening|night)|thanks|thank you|"
    r"bye|goodbye|see you)\W*"
    r"(你|您|there|everyone|all|a lot|so much|very much|wow-?rag)?\W*$",
    re.IGNORECASE,
)
# The assistant asked about itself: second person with an identity or ability verb.
_ABOUT_YOU = re.compile(
    r"(你|您)(是谁|是什么|叫什么|能做什么|会做什么|可以做什么|能干什么|会什么|能帮我做什么|好吗|是(机器人|人工智能|AI))|"
    r"\b(who|what) are you\b|\bwhat('s| is) your name\b|\bwhat can you do\b|"
    r"\bwhat do you do\b|\bhow can you help\b|\bare you (a|an) (bot|robot|ai|human)\b|"
    r"\bhow are you\b|\bintroduce yourself\b|介绍(一下)?(你|您)自己",
    re.IGNORECASE,
)
# Short enough to be a remark rather than a question about a document.
SHORT_HAN = 12
SHORT_WORDS = 6
_HAN = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[A-Za-z0-9]+")

ABOUT_APP = {
    "zh": "我是 wow-rag，一个离线的知识库问答助手：我只根据你导入知识库的文档回答问题，"
    "并标出每句话的出处。请就你的文档提问，例如其中的某个事实、数字或步骤。",
    "en": "I am wow-rag, an offline assistant that answers from the documents in your "
    "knowledge bases and cites where each sentence comes from. Ask me about your documents: "
    "a fact, a number or the steps of a task.",
}
SMALL_TALK_REPLY = {
    "zh": "你好！" + ABOUT_APP["zh"],
    "en": "Hi! " + ABOUT_APP["en"],
}


def is_small_talk(question: str) -> bool:
    """A greeting, thanks or farewell alone, or a question about the assistant itself."""
    return bool(_SOCIAL.match(question.strip()) or _ABOUT_YOU.search(question))


def is_short(question: str) -> bool:
    han = len(_HAN.findall(question))
    words = len(_WORD.findall(question))
    return han + words > 0 and han <= SHORT_HAN and words <= SHORT_WORDS


def is_chat(question: str, passages: list[Passage]) -> bool:
    """A short remark that no passage shares a content term with (called only when
    nothing retrieved is relevant)."""
    return is_short(question) and all(p.coverage == 0 for p in passages)
