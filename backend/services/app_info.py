"""What `/api/info` tells about the running app: version, data folder, engines."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from backend import __version__


@dataclass(frozen=True)
class AppInfo:
    data_dir: str
    vector_engine: str
    embedder: str
    version: str = __version__

    def to_json(self) -> dict[str, str]:
        return asdict(self)
