"""What the language models are told: the answer prompt (numbered passages, [n] citations,
"I don't know" when the passages do not hold the answer) and the condense prompt that turns
a follow-up into a stand-alone question. Chinese or English, after the question."""

from __future__ import annotations

import re

from backend.rag.llm.generation import AnswerRequest, Language, Turn, detect_language

Message = dict[str, str]

HISTORY_CHARS = 1500
CONDENSE_TURNS = 4
CONDENSE_MAX_TOKENS = 128
_THINK = re.compile(r"<think>.*?</think>", re.S)

ANSWER_SYSTEM = {
    "en": (
        "You are wow-rag, an assistant that answers questions from the user's own documents.\n"
        "Answer only from the numbered passages below. After each statement, cite the passage "
        "it comes from as [n], for example [1] or [2][3]. If the passages do not hold the "
        'answer, say "I don\'t know" and do not guess. Answer in English, concisely.\n\n'
        "Passages:\n{passages}"
    ),
    "zh": (
        "你是 wow-rag，一个根据用户自己的文档回答问题的助手。\n"
        "只能依据下面编号的段落作答。每句陈述后用 [n] 标注它出自哪个段落，例如 [1] 或 [2][3]。"
        "如果这些段落里没有答案，就回答“我不知道”，不要猜测。请用中文简洁作答。\n\n"
        "段落：\n{passages}"
    ),
}
NO_PASSAGES = {"en": "(no passage was found)", "zh": "（没有找到相关段落）"}

CONDENSE_SYSTEM = {
    "en": (
        "Rewrite the user's last question as one stand-alone question that can be understood "
        "without the conversation, keeping its language. Reply with the question only."
    ),
    "zh": (
        "把用户的最后一个问题改写成一个脱离对话也能看懂的独立问题，保持原来的语言。"
        "只回复改写后的问题。"
    ),
}
CONDENSE_USER = {
    "en": "Conversation:\n{history}\n\nLast question: {question}\n\nStand-alone question:",
    "zh": "对话：\n{history}\n\n最后的问题：{question}\n\n独立问题：",
}
ROLE_NAMES = {
    "en": {"user": "User", "assistant": "Assistant"},
    "zh": {"user": "用户", "assistant": "助手"},
}


def _clip(text: str, limit: int = HISTORY_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def format_passages(request: AnswerRequest) -> str:
    if not request.passages:
        return NO_PASSAGES[request.language]
    blocks = []
    for p in request.passages:
        where = f"{p.filename}, p. {p.page}" if p.page else p.filename
        blocks.append(f"[{p.index}] ({where})\n{p.text.strip()}")
    return "\n\n".join(blocks)


def answer_messages(request: AnswerRequest) -> list[Message]:
    """System prompt with the passages, the last turns, then the question."""
    system = ANSWER_SYSTEM[request.language].format(passages=format_passages(request))
    messages: list[Message] = [{"role": "system", "content": system}]
    messages += [{"role": t.role, "content": _clip(t.content)} for t in request.history]
    messages.append({"role": "user", "content": request.question})
    return messages


def condense_messages(question: str, history: list[Turn]) -> list[Message]:
    language: Language = detect_language(question)
    names = ROLE_NAMES[language]
    lines = [f"{names[t.role]}: {_clip(t.content, 600)}" for t in history[-CONDENSE_TURNS:]]
    return [
        {"role": "system", "content": CONDENSE_SYSTEM[language]},
        {
            "role": "user",
            "content": CONDENSE_USER[language].format(history="\n".join(lines), question=question),
        },
    ]


def standalone_question(reply: str, question: str) -> str:
    """The model's rewrite, cleaned; the question itself when the reply is unusable."""
    text = _THINK.sub("", reply).strip()
    for prefix in ("Stand-alone question:", "独立问题：", "独立问题:"):
        if text.startswith(prefix):
            text = text[len(prefix) :].strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    text = lines[0].strip("\"'“”「」 ") if lines else ""
    if not text or len(text) > 4 * len(question) + 200:
        return question
    return text


class ThinkFilter:
    """Drops a leading <think>...</think> block that reasoning models stream as content."""

    def __init__(self) -> None:
        self.buffer = ""
        self.state = "start"  # start -> thinking -> passing

    def feed(self, delta: str) -> str:
        if self.state == "passing":
            return delta
        self.buffer += delta
        if self.state == "start":
            stripped = self.buffer.lstrip()
            if "<think>".startswith(stripped):
                return ""  # could still become "<think>"
            if not stripped.startswith("<think>"):
                self.state, out, self.buffer = "passing", self.buffer, ""
                return out
            self.state = "thinking"
        end = self.buffer.find("</think>")
        if end < 0:
            return ""
        self.state, rest, self.buffer = "passing", self.buffer[end + 8 :].lstrip(), ""
        return rest

    def flush(self) -> str:
        out = self.buffer if self.state == "start" else ""
        self.buffer = ""
        return out
