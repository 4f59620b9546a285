"""What `/api/info` tells about the running app: version, data folder, engines, disk,
and the progress of the e5 passage pass."""

from __future__ import annotations

from dataclasses import dataclass

from backend import __version__
from backend.services.disk import DiskSpace
from backend.services.passage_vectors import PassageVectors


@dataclass(frozen=True)
class AppInfo:
    data_dir: str
    vector_engine: str
    embedder: str
    disk: DiskSpace
    passage_vectors: PassageVectors
    version: str = __version__

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "data_dir": self.data_dir,
            "vector_engine": self.vector_engine,
            "embedder": self.embedder,
            # read at every call: free space changes while the app runs
            "disk": self.disk.state().to_dict(),
            # the e5 second pass: off | no_weights | loading | waiting | paused | running | done
            "passage_vectors": self.passage_vectors.state().to_dict(),
        }
