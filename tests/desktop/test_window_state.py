"""backend/desktop/window_state.py: the window's size and place, remembered safely."""

from __future__ import annotations

import json
from pathlib import Path

from backend.desktop.window_state import MIN_SIZE, WindowState


def test_window_state_round_trip_and_bad_files(tmp_path: Path) -> None:
    path = tmp_path / "window.json"
    assert WindowState.load(path) == WindowState()
    WindowState(width=1000, height=700, x=10, y=20, maximized=True).save(path)
    assert WindowState.load(path) == WindowState(1000, 700, 10, 20, True)
    path.write_text("{not json")
    assert WindowState.load(path) == WindowState()
    path.write_text(json.dumps({"width": 5, "height": 99999}))
    state = WindowState.load(path)
    assert (state.width, state.height) == (MIN_SIZE[0], 10_000)


def test_window_state_forgets_a_position_on_an_unplugged_monitor() -> None:
    screens = [(0, 0, 1920, 1080)]
    on_screen = WindowState(1200, 800, 100, 100).fit(screens)
    assert (on_screen.x, on_screen.y) == (100, 100)
    gone = WindowState(1200, 800, 2500, 100).fit(screens)
    assert (gone.x, gone.y) == (None, None)
    small = WindowState(3000, 2000).fit([(0, 0, 1280, 720)])
    assert (small.width, small.height) == (1280, 720)
