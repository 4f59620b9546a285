"""A virtual X display (Xvfb) for what drives the real window: the window tests and the
start-up benchmark."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def virtual_display(size: str = "1440x900") -> Iterator[str]:
    """The display's name (":N") while Xvfb runs; it is stopped after."""
    reader, writer = os.pipe()  # Xvfb picks a free display and writes its number when ready
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", str(writer), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        pass_fds=(writer,),
        stderr=subprocess.DEVNULL,
    )
    os.close(writer)
    with os.fdopen(reader) as announced:
        display = f":{announced.readline().strip()}"
    try:
        yield display
    finally:
        xvfb.terminate()
        xvfb.wait(10)
