"""Any ASGI app served by uvicorn on 127.0.0.1 from a daemon thread: the scripted model
server in tests and benchmarks, and the real app in tests."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn


class ThreadServer:
    """uvicorn on 127.0.0.1 in a daemon thread; `url` once started."""

    def __init__(self, app: Any, port: int = 0) -> None:
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            timeout_graceful_shutdown=1,
            lifespan="auto",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="test-server", daemon=True)
        self.url = ""

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
