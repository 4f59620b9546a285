"""A scripted OpenAI-compatible model server on 127.0.0.1, shared by the tests and the
benchmarks (scripts never import tests): tokens, delays, status codes as scripted; it
records every request and when its client went away.

    python -m scripts.bench.scripted_llm --tokens 2000   # serve until stopped; prints its URL
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scripts.bench.thread_server import ThreadServer

Scope = dict[str, Any]


@dataclass
class Script:
    """What the fake model server does with the next chat completions."""

    tokens: list[str] = field(
        default_factory=lambda: ["Hello", " from", " the", " model", " [1]", "."]
    )
    tokens_for: Callable[[dict[str, Any]], list[str]] | None = None
    delay_s: float = 0.0
    first_byte_delay_s: float = 0.0
    status: int = 200
    error: str = "something went wrong"
    usage: dict[str, int] | None = field(
        default_factory=lambda: {"prompt_tokens": 42, "completion_tokens": 6, "total_tokens": 48}
    )
    reply: str | None = None  # the answer of non-streaming calls; None echoes the last message
    models: list[str] = field(default_factory=lambda: ["fake-model", "other-model"])
    openai_models: bool = True  # False: only Ollama's /api/tags lists them
    # Body parameters refused with HTTP 400, the way OpenAI's reasoning models refuse
    # max_tokens and a temperature other than 1.
    unsupported: tuple[str, ...] = ()
    # How long the body stays open after `[DONE]` (servers end it at once).
    end_delay_s: float = 0.0


@dataclass
class Recorded:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    started: float
    client_port: int = 0  # one per connection: equal ports mean a reused connection
    finished: float | None = None
    disconnected: float | None = None


def _last_user(body: dict[str, Any]) -> str:
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    return str(users[-1]["content"]) if users else ""


class FakeLlm:
    """A raw ASGI OpenAI-compatible server, so that disconnects are seen exactly."""

    def __init__(self) -> None:
        self.script = Script()
        self.requests: list[Recorded] = []
        self.url = ""

    def reset(self, **changes: Any) -> Script:
        self.script = Script(**changes)
        self.requests = []
        return self.script

    def settings(self, **extra: Any) -> dict[str, Any]:
        """The `llm` settings that point wow-rag at this server."""
        return {
            "provider": "openai_compatible",
            "base_url": self.url + "/v1",
            "model": "fake-model",
            **extra,
        }

    def completions(self, stream: bool | None = None) -> list[Recorded]:
        return [
            r
            for r in self.requests
            if r.path.endswith("/chat/completions")
            and (stream is None or bool(r.body.get("stream")) == stream)
        ]

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while True:
                kind = (await receive())["type"]
                await send({"type": kind + ".complete"})
                if kind == "lifespan.shutdown":
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        record = Recorded(
            scope["path"],
            json.loads(body) if body else {},
            headers,
            time.monotonic(),
            scope["client"][1] if scope.get("client") else 0,
        )
        self.requests.append(record)
        script = self.script
        if script.first_byte_delay_s:
            await asyncio.sleep(script.first_byte_delay_s)
        refused = [p for p in script.unsupported if p in record.body]
        if script.status != 200:
            await _json(
                send, script.status, {"error": {"message": script.error, "type": "fake_error"}}
            )
        elif refused:
            await _json(
                send,
                400,
                {
                    "error": {
                        "message": f"Unsupported parameter: '{refused[0]}' is not supported "
                        "with this model.",
                        "type": "invalid_request_error",
                        "param": refused[0],
                        "code": "unsupported_parameter",
                    }
                },
            )
        elif scope["path"].endswith("/models") and script.openai_models:
            await _json(
                send,
                200,
                {"object": "list", "data": [{"id": m, "object": "model"} for m in script.models]},
            )
        elif scope["path"].endswith("/api/tags"):
            await _json(send, 200, {"models": [{"name": m} for m in script.models]})
        elif not scope["path"].endswith("/chat/completions"):
            await _json(send, 404, {"error": {"message": "no such path"}})
        elif record.body.get("stream"):
            await self._stream(script, record, receive, send)
        else:
            reply = script.reply if script.reply is not None else _last_user(record.body)
            await _json(
                send,
                200,
                {
                    "id": "cmpl-1",
                    "object": "chat.completion",
                    "model": record.body.get("model"),
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": reply},
                        }
                    ],
                    "usage": script.usage,
                },
            )
        record.finished = time.monotonic()

    async def _stream(self, script: Script, record: Recorded, receive: Any, send: Any) -> None:
        tokens = script.tokens_for(record.body) if script.tokens_for else script.tokens

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            record.disconnected = time.monotonic()

        watcher = asyncio.ensure_future(watch())
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        try:
            for i, token in enumerate(tokens):
                if watcher.done():
                    return
                chunk = {
                    "id": "c",
                    "object": "chat.completion.chunk",
                    "choices": [
                        {
                            "index": 0,
                            "delta": {"content": token}
                            if i
                            else {"role": "assistant", "content": token},
                            "finish_reason": None,
                        }
                    ],
                }
                await _event(send, chunk)
                if script.delay_s:
                    await asyncio.sleep(script.delay_s)
            await _event(
                send,
                {
                    "id": "c",
                    "object": "chat.completion.chunk",
                    "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                },
            )
            if script.usage:
                await _event(send, {"id": "c", "choices": [], "usage": script.usage})
            done = b"data: [DONE]\n\n"
            if script.end_delay_s:
                await send({"type": "http.response.body", "body": done, "more_body": True})
                await asyncio.sleep(script.end_delay_s)
                done = b""
            await send({"type": "http.response.body", "body": done, "more_body": False})
        except OSError:
            record.disconnected = record.disconnected or time.monotonic()
        finally:
            watcher.cancel()


async def _event(send: Any, data: dict[str, Any]) -> None:
    line = f"data: {json.dumps(data, ensure_ascii=False)}\n\n".encode()
    await send({"type": "http.response.body", "body": line, "more_body": True})


async def _json(send: Any, status: int, data: Any) -> None:
    body = json.dumps(data).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


class served_llm:
    """`with served_llm() as fake:` a FakeLlm listening on `fake.url`."""

    def __enter__(self) -> FakeLlm:
        self.fake = FakeLlm()
        self.server = ThreadServer(self.fake).__enter__()
        self.fake.url = self.server.url
        return self.fake

    def __exit__(self, *_: object) -> None:
        self.server.__exit__()


def main() -> None:
    """Serve a FakeLlm until stopped; print its URL."""
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--delay", type=float, default=0.0)
    args = parser.parse_args()
    with served_llm() as fake:
        fake.reset(tokens=[f"w{i} " for i in range(args.tokens)], delay_s=args.delay)
        print(fake.url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
