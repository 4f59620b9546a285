"""Notice changes in linked folders as they happen (watchdog), so a sync follows within
seconds. A folder that cannot be watched (no inotify watches left, a network drive, gone)
is left to the polling of the folder service: a watch is a speed-up, never the only way."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
# Reading a file (our own import, a backup tool, the user's editor) changes nothing.
_READ_ONLY_EVENTS = frozenset({"opened", "closed_no_write"})


class FolderWatcher:
    def __init__(self, changed: Callable[[str], None]) -> None:
        self._changed = changed
        self._observer: Any = None
        self._watches: dict[str, Any] = {}

    def start(self) -> None:
        try:
            from watchdog.observers import Observer

            observer = Observer()
            observer.daemon = True
            observer.start()
        except Exception:
            log.exception("folders cannot be watched here; they are polled instead")
            return
        self._observer = observer

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(5)
            self._observer = None
        self._watches.clear()

    def watching(self, folder_id: str) -> bool:
        return folder_id in self._watches

    def watch(self, folder_id: str, path: str) -> bool:
        """True when changes in `path` will be reported from now on."""
        if self._observer is None or folder_id in self._watches:
            return folder_id in self._watches
        try:
            handler = _Handler(lambda: self._changed(folder_id))
            self._watches[folder_id] = self._observer.schedule(handler, path, recursive=True)
        except Exception as exc:  # gone, no permission, out of inotify watches
            log.warning("cannot watch %s (%s); it is polled instead", path, exc)
            return False
        return True

    def unwatch(self, folder_id: str) -> None:
        watch = self._watches.pop(folder_id, None)
        if watch is not None and self._observer is not None:
            with contextlib.suppress(Exception):  # the folder may be gone with its watch
                self._observer.unschedule(watch)


class _Handler:
    """The part of watchdog's handler interface the observer calls."""

    def __init__(self, changed: Callable[[], None]) -> None:
        self._changed = changed

    def dispatch(self, event: Any) -> None:
        if event.event_type not in _READ_ONLY_EVENTS:
            self._changed()
