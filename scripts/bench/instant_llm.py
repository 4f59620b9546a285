"""An instant, scripted OpenAI-compatible upstream on loopback: POST /v1/chat/completions
streams a fixed answer as fast as the socket takes it, so whatever time a client sees on
top of it is the cost of what sits in between. Runs in its own process (uvicorn)."""

from __future__ import annotations

import json
import multiprocessing
import socket
import time

import httpx

SCRIPT_MARK = "scripted-answer"


def _app(tokens: int):  # type: ignore[no-untyped-def]
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, StreamingResponse
    from starlette.routing import Route

    def chunk(delta: str | None, finish: str | None = None) -> str:
        body = {
            "id": "x",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "instant",
            "choices": [
                {"index": 0, "delta": {"content": delta} if delta else {}, "finish_reason": finish}
            ],
        }
        return f"data: {json.dumps(body)}\n\n"

    words = [SCRIPT_MARK] + [f" w{i}" for i in range(1, tokens)]

    async def completions(request: Request):  # type: ignore[no-untyped-def]
        body = await request.json()
        if not body.get("stream"):
            return JSONResponse(
                {
                    "id": "x",
                    "object": "chat.completion",
                    "model": "instant",
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": "".join(words)},
                        }
                    ],
                    "usage": {
                        "prompt_tokens": 1,
                        "completion_tokens": tokens,
                        "total_tokens": tokens + 1,
                    },
                }
            )

        async def stream():  # type: ignore[no-untyped-def]
            for word in words:
                yield chunk(word)
            yield chunk(None, "stop")
            yield "data: [DONE]\n\n"

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def models(request: Request):  # type: ignore[no-untyped-def]
        return JSONResponse({"object": "list", "data": [{"id": "instant", "object": "model"}]})

    return Starlette(
        routes=[
            Route("/v1/chat/completions", completions, methods=["POST"]),
            Route("/v1/models", models),
        ]
    )


def _serve(port: int, tokens: int) -> None:
    import uvicorn

    uvicorn.run(_app(tokens), host="127.0.0.1", port=port, log_level="warning")


class InstantUpstream:
    def __init__(self, tokens: int = 2000) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self._process = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(self.port, tokens), daemon=True
        )

    def __enter__(self) -> InstantUpstream:
        self._process.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.base_url}/models", timeout=1)
                return self
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("instant upstream did not start")

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()
        self._process.join(10)
