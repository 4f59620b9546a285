"""Start wow-rag: parse the options, start the server in a thread, write server.json when
ready, and show the UI: a desktop window (the default; the system browser where no window
can be shown), the system browser (--browser), or nothing (--headless)."""

from __future__ import annotations

import argparse
import faulthandler
import io
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend.config import Settings

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


def load_settings(args: argparse.Namespace) -> Settings:
    from backend.config import Settings
    from backend.paths import default_data_dir

    overrides = {
        "host": args.host,
        "port": args.port,
        "token": args.token,
        "qdrant_url": args.qdrant_url,
        "data_dir": Path(args.data_dir) if args.data_dir else default_data_dir(),
    }
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if sys.stdout is None or sys.stderr is None:
        log_to_file(args)
    from backend.desktop import console

    console.configure()
    dump_stacks_on_request()
    if not (args.headless or args.browser):
        from backend.desktop.gui import unavailable_reason

        reason = unavailable_reason()
        if reason is None:
            return run_window(args)
        print(
            f"wow-rag: no desktop window here ({reason}); opening the system browser instead.",
            file=sys.stderr,
            flush=True,
        )
        args.browser = True
    return serve(args)


def run_window(args: argparse.Namespace) -> int:
    # pywebview first: the window shows its "starting" page while the backend imports.
    from backend.desktop.window import DesktopWindow
    from backend.paths import default_data_dir

    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    window = DesktopWindow(data_dir, lambda: load_settings(args))
    try:
        return window.run()
    except Exception as error:  # no GUI backend could start after all; the server is stopped
        print(
            f"wow-rag: the desktop window could not start ({error}); "
            "opening the system browser instead.",
            file=sys.stderr,
            flush=True,
        )
        args.browser = True
        return serve(args)


def serve(args: argparse.Namespace) -> int:
    """--headless and --browser: the server in a thread, the main thread waits for a signal."""
    from backend.desktop.server import AppServer, running_instance
    from backend.paths import DataPaths

    settings = load_settings(args)
    paths = DataPaths(Path(settings.data_dir or "."))
    paths.ensure()
    live = running_instance(paths.server_json)
    if live:
        print(
            f"wow-rag is already running for this data dir at {live['url']}/?token={live['token']}",
            flush=True,
        )
        if args.browser:
            open_in_browser(str(live["url"]), str(live["token"]))
        return 0
    server = AppServer(settings)

    def stop(signum: int, frame: object) -> None:
        server.request_exit()

    for name in ("SIGTERM", "SIGINT", "SIGHUP", "SIGBREAK"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), stop)
    server.start()
    if server.wait_ready(120):
        # Only the address that signs the browser in: the bare URL would show the
        # signed-out screen on a first visit.
        print(f"wow-rag is running: open {server.url}/?token={server.token}", flush=True)
        if args.browser:
            open_in_browser(server.url, server.token)
    server.wait()
    server.stop()
    return 1 if server.failed else 0


def dump_stacks_on_request() -> None:
    """SIGUSR1 prints every thread's stack to stderr (POSIX): where a start that hangs is
    stuck, without stopping it."""
    if not hasattr(signal, "SIGUSR1"):
        return
    try:
        faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return  # stderr without a file descriptor


def log_to_file(args: argparse.Namespace) -> None:
    """A windowed app (Windows, no console) has no stdout/stderr: keep its messages in
    <data dir>/logs/wow-rag.log, where a person can find them when something goes wrong."""
    from backend.paths import default_data_dir

    folder = (Path(args.data_dir) if args.data_dir else default_data_dir()) / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        log = open(folder / "wow-rag.log", "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    except OSError:
        log = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    sys.stdout = sys.stdout or log
    sys.stderr = sys.stderr or log


def open_in_browser(url: str, token: str) -> None:
    from backend.desktop.system import open_url

    open_url(f"{url}/?token={token}")


if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()
    code = main()
    # Everything is closed by now (server, stores, server.json). Tearing down the
    # interpreter would only free memory, model weights included, which took seconds on a
    # busy machine after Ctrl+C; the operating system does that at once. What interpreter
    # exit would still do for us: end worker processes (an idle embedder pool) that
    # would otherwise outlive us, holding our stdout open.
    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(2)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    os._exit(code)
