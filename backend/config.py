"""The one Settings model: every option of the launcher, each also readable as WOWRAG_<NAME>."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

VectorEngine = Literal["edge", "local", "server"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WOWRAG_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 0
    data_dir: Path | None = None
    token: str | None = None
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None
    vector_engine: VectorEngine | None = None
    max_upload_mb: int = Field(default=200, ge=1)
    # Imports stop this far above a full disk; the reserve is released to open on one.
    min_free_mb: int = Field(default=300, ge=0)
    space_reserve_mb: int = Field(default=64, ge=0)
    parse_timeout_s: float = 120.0
    parse_memory_mb: int = 2048
    embed_workers: int = Field(default=0, ge=0, description="0 means one per core")
    # The second embedding pass (multilingual-e5-small passage vectors, in the background):
    # None means on when the e5 weights are found; off keeps the light model alone.
    passage_vectors: bool | None = None
    dev: bool = Field(default=False, description="serve /docs and /openapi.json")
    cors_origins: list[str] = Field(default_factory=list)
    discover_ports: dict[str, int] = Field(
        default_factory=dict,
        description="preset id -> port where the settings look for a local model server "
        "instead of its usual one (e.g. Ollama elsewhere than 11434)",
    )

    @property
    def engine(self) -> VectorEngine:
        if self.vector_engine:
            return self.vector_engine
        return "server" if self.qdrant_url else "edge"
