"""Remember the window's size and position between launches (``window.json`` in the data dir)."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_SIZE = (1280, 820)
MIN_SIZE = (760, 520)


@dataclass
class WindowState:
    width: int = DEFAULT_SIZE[0]
    height: int = DEFAULT_SIZE[1]
    x: int | None = None  # None: let the system centre the window
    y: int | None = None
    maximized: bool = False

    @classmethod
    def load(cls, path: Path) -> WindowState:
        try:
            raw = json.loads(path.read_text("utf-8"))
            state = cls(
                width=int(raw["width"]),
                height=int(raw["height"]),
                x=_int_or_none(raw.get("x")),
                y=_int_or_none(raw.get("y")),
                maximized=bool(raw.get("maximized", False)),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return cls()
        state.width = max(MIN_SIZE[0], min(state.width, 10_000))
        state.height = max(MIN_SIZE[1], min(state.height, 10_000))
        return state

    def fit(self, screens: list[tuple[int, int, int, int]]) -> WindowState:
        """Shrink to the largest screen and forget a position that is on no screen now
        (a monitor that was unplugged). ``screens`` holds (x, y, width, height)."""
        if not screens:
            return self
        widest = max(w for _, _, w, _ in screens)
        tallest = max(h for _, _, _, h in screens)
        self.width = max(MIN_SIZE[0], min(self.width, widest))
        self.height = max(MIN_SIZE[1], min(self.height, tallest))
        if self.x is not None and self.y is not None:
            # the title bar (top 40 px, middle of the window) must land on some screen
            cx, cy = self.x + self.width // 2, self.y + 20
            if not any(sx <= cx < sx + sw and sy <= cy < sy + sh for sx, sy, sw, sh in screens):
                self.x = self.y = None
        return self

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(".tmp")
        try:
            tmp.write_text(json.dumps(asdict(self)), "utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only data dir must not stop the app from closing


def _int_or_none(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]
