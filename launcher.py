"""Start wow-rag: parse the options, start uvicorn, write server.json when ready, and show
the UI (a desktop window, the system browser, or nothing with --headless)."""

from __future__ import annotations

import argparse
import json
import os
import socket
import sys
import threading
import time
from pathlib import Path

# One BLAS thread per process: on few cores more threads made embedding several times slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="wow-rag", description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--headless", action="store_true", help="server only")
    mode.add_argument("--browser", action="store_true", help="open the system browser")
    env = os.environ.get
    parser.add_argument("--host", default=env("WOWRAG_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env("WOWRAG_PORT", "0")))
    parser.add_argument("--data-dir", default=env("WOWRAG_DATA_DIR"))
    parser.add_argument("--token", default=env("WOWRAG_TOKEN"))
    parser.add_argument("--qdrant-url", default=env("WOWRAG_QDRANT_URL"))
    return parser.parse_args(argv)


def running_instance(server_json: Path) -> dict[str, object] | None:
    """The live server of this data dir, if one answers; a stale file is removed."""
    try:
        info = json.loads(server_json.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    import urllib.request

    try:
        with urllib.request.urlopen(f"{info['url']}/api/health", timeout=2) as answer:
            if answer.status == 200:
                return dict(info)
    except Exception:
        pass
    server_json.unlink(missing_ok=True)
    return None


def write_server_json(path: Path, url: str, token: str) -> None:
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"url": url, "token": token, "pid": os.getpid()}, out)
    os.replace(tmp, path)


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if os.name != "nt":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from backend.config import Settings
    from backend.paths import DataPaths, default_data_dir

    overrides = {"host": args.host, "port": args.port, "token": args.token,
                 "qdrant_url": args.qdrant_url,
                 "data_dir": Path(args.data_dir) if args.data_dir else default_data_dir()}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    paths = DataPaths(Path(settings.data_dir or default_data_dir()))
    paths.ensure()
    live = running_instance(paths.server_json)
    if live:
        print(f"wow-rag is already running for this data dir at {live['url']}", flush=True)
        if not args.headless:
            open_ui(str(live["url"]), str(live["token"]), args)
        return 0

    import uvicorn

    from backend.app import create_app
    from backend.container import Container

    sock = bind(settings.host, settings.port)
    port = sock.getsockname()[1]
    shown_host = f"[{settings.host}]" if ":" in settings.host else settings.host
    url = f"http://{shown_host}:{port}"
    container = Container(settings)
    app = create_app(container)
    server = uvicorn.Server(uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=5))

    def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            time.sleep(0.02)
        write_server_json(paths.server_json, url, container.token)
        print(f"wow-rag is running at {url}", flush=True)
        print(f"open {url}/?token={container.token}", flush=True)
        if not args.headless:
            open_ui(url, container.token, args)

    threading.Thread(target=announce, name="announce", daemon=True).start()
    try:
        server.run(sockets=[sock])
    finally:
        paths.server_json.unlink(missing_ok=True)
        container.close()
    return 0


def open_ui(url: str, token: str, args: argparse.Namespace) -> None:
    import webbrowser

    webbrowser.open(f"{url}/?token={token}")


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()
    sys.exit(main())
