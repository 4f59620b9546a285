"""The embedded GGUF model (llama-cpp-python, an optional extra imported only when used).

llama-cpp's generator blocks, so it runs in a thread of its own and hands each token to
the event loop through an asyncio queue; when the answer is cancelled (the client went
away, Stop) a flag stops the thread at the next token."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from pathlib import Path
from typing import Any

from backend.rag.llm.generation import AnswerRequest, GenerationError, Turn
from backend.rag.llm.prompts import (
    CONDENSE_MAX_TOKENS,
    Message,
    ThinkFilter,
    answer_messages,
    condense_messages,
    standalone_question,
)

log = logging.getLogger(__name__)
CONTEXT_TOKENS = 4096
_END = object()


def _llama_class() -> Any:
    try:
        from llama_cpp import Llama
    except ImportError:
        raise GenerationError(
            "llm_unavailable",
            "The embedded model runtime (llama-cpp-python) is not installed "
            "in this build. Use an OpenAI-compatible server instead.",
        ) from None
    return Llama


class LocalModels:
    """Keeps one model loaded (they are large) and lets one generation run at a time: a
    llama context is not thread-safe, and two answers on one CPU are no faster than one."""

    def __init__(self, context_tokens: int = CONTEXT_TOKENS) -> None:
        self.context_tokens = context_tokens
        self.lock = threading.Lock()
        self._path: str | None = None
        self._model: Any = None

    def load(self, path: str) -> Any:
        """The model at `path`; call with `lock` held, from a worker thread."""
        if self._model is not None and self._path == path:
            return self._model
        llama = _llama_class()
        if not path or not Path(path).is_file():
            raise GenerationError(
                "llm_model_not_found",
                f"The model file {Path(path).name or '(none)'} is missing. "
                "Choose a .gguf file in the settings.",
            )
        self._unload()
        try:
            self._model = llama(model_path=path, n_ctx=self.context_tokens, verbose=False)
        except Exception as exc:
            raise GenerationError(
                "llm_load_failed",
                f"The model file {Path(path).name} could not be loaded: {exc}"[:400],
            ) from None
        self._path = path
        return self._model

    def _unload(self) -> None:
        model, self._model, self._path = self._model, None, None
        if model is not None and hasattr(model, "close"):
            model.close()

    def close(self, wait_s: float = 5.0) -> None:
        # A generation still running at shutdown stops at its next token (its consumer is
        # gone); do not hang the exit on one that does not.
        if self.lock.acquire(timeout=wait_s):
            try:
                self._unload()
            finally:
                self.lock.release()


def _deltas(chunks: Iterator[dict[str, Any]]) -> Iterator[str]:
    for chunk in chunks:
        choices = chunk.get("choices") or [{}]
        text = (choices[0].get("delta") or {}).get("content")
        if text:
            yield text


class LlamaCppGenerator:
    name = "llama_cpp"

    def __init__(
        self, models: LocalModels, model_path: str, temperature: float = 0.2, max_tokens: int = 1024
    ) -> None:
        self.models, self.model_path = models, model_path
        self.temperature, self.max_tokens = temperature, max_tokens
        self.last_usage: dict[str, int] | None = None

    async def stream(self, request: AnswerRequest) -> AsyncGenerator[str, None]:
        think, count = ThinkFilter(), 0
        async for delta in self._generate(
            answer_messages(request), self.max_tokens, self.temperature
        ):
            count += 1
            text = think.feed(delta)
            if text:
                yield text
        rest = think.flush()
        if rest:
            yield rest
        self.last_usage = {"completion_tokens": count}

    async def complete(self, messages: list[Message], max_tokens: int) -> str:
        return "".join([d async for d in self._generate(messages, max_tokens, 0.0)])

    async def condense(self, question: str, history: list[Turn]) -> str:
        reply = await self.complete(condense_messages(question, history), CONDENSE_MAX_TOKENS)
        return standalone_question(reply, question)

    async def _generate(
        self, messages: list[Message], max_tokens: int, temperature: float
    ) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[object] = asyncio.Queue()
        stop = threading.Event()

        def emit(item: object) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is gone: nobody is listening any more
                stop.set()

        def work() -> None:
            try:
                with self.models.lock:
                    if stop.is_set():
                        return
                    model = self.models.load(self.model_path)
                    chunks = model.create_chat_completion(
                        messages=messages,
                        stream=True,
                        max_tokens=max_tokens,
                        temperature=temperature,
                    )
                    try:
                        for text in _deltas(chunks):
                            if stop.is_set():
                                break
                            emit(text)
                    finally:
                        chunks.close()
            except GenerationError as exc:
                emit(exc)
            except ValueError as exc:
                if "context window" not in str(exc):
                    raise
                emit(
                    GenerationError(
                        "llm_context_overflow",
                        f"The question and passages do "
                        f"not fit the model's context ({exc}). Ask for fewer passages (top_k).",
                    )
                )
            except Exception as exc:
                log.exception("local model failed")
                emit(GenerationError("llm_error", f"The local model failed: {exc}"[:400]))
            finally:
                emit(_END)

        threading.Thread(target=work, name="llama-generate", daemon=True).start()
        try:
            while True:
                item = await queue.get()
                if item is _END:
                    return
                if isinstance(item, GenerationError):
                    raise item
                yield str(item)
        finally:
            stop.set()

    async def close(self) -> None:
        return None
