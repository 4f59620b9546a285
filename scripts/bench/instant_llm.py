"""An instant upstream on loopback: the scripted model server (scripted_llm.py) with no
delays, in a process of its own, so whatever time a client sees on top of it is the cost
of what sits in between."""

from __future__ import annotations

import multiprocessing
import socket
import time

import httpx

from scripts.bench.scripted_llm import FakeLlm

SCRIPT_MARK = "scripted-answer"


def _serve(port: int, tokens: int) -> None:
    import uvicorn

    # The words the benchmarks look for; usage as an OpenAI server reports it.
    words = [SCRIPT_MARK] + [f" w{i}" for i in range(1, tokens)]
    llm = FakeLlm()
    llm.reset(
        tokens=words,
        reply="".join(words),
        models=["instant"],
        usage={"prompt_tokens": 1, "completion_tokens": tokens, "total_tokens": tokens + 1},
    )
    uvicorn.run(llm, host="127.0.0.1", port=port, log_level="warning")


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
