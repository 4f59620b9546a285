"""User settings: the LLM provider and retrieval options, persisted, secrets masked on read."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from backend.store.settings import SettingsRepository

MASK = "********"
# An HTTP header can only carry printable ASCII; a URL has no spaces or control characters.
API_KEY_PATTERN = r"^[\x21-\x7e]*$"
BASE_URL_PATTERN = r"^(https?://[^\s\x00-\x1f\x7f]+)?$"
Provider = Literal["extractive", "openai_compatible", "llama_cpp"]


class LlmSettings(BaseModel):
    provider: Provider = "extractive"
    base_url: str = ""
    model: str = ""
    api_key: str = ""
    model_path: str = ""
    temperature: float = Field(default=0.2, ge=0, le=2)
    max_tokens: int = Field(default=1024, ge=1, le=32768)
    timeout_s: float = Field(default=60.0, gt=0, le=3600)


class RetrievalSettings(BaseModel):
    """How many passages to retrieve and whether to add keyword (BM25) search."""

    top_k: int = Field(default=5, ge=1, le=50)
    hybrid: bool = True


class AppSettings(BaseModel):
    llm: LlmSettings = Field(default_factory=LlmSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)


class LlmSettingsUpdate(BaseModel):
    provider: Provider | None = None
    base_url: str | None = Field(default=None, max_length=2000, pattern=BASE_URL_PATTERN)
    model: str | None = Field(default=None, max_length=500)
    api_key: str | None = Field(default=None, max_length=2000, pattern=API_KEY_PATTERN)
    model_path: str | None = Field(default=None, max_length=4000)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1, le=32768)
    timeout_s: float | None = Field(default=None, gt=0, le=3600)


class RetrievalSettingsUpdate(BaseModel):
    top_k: int | None = Field(default=None, ge=1, le=50)
    hybrid: bool | None = None


class SettingsUpdate(BaseModel):
    llm: LlmSettingsUpdate | None = None
    retrieval: RetrievalSettingsUpdate | None = None


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url.strip())
    return parts.scheme.lower(), (parts.netloc or "").lower()


class SettingsService:
    KEY = "app"

    def __init__(self, repo: SettingsRepository) -> None:
        self.repo = repo
        self._cache: AppSettings | None = None

    def current(self) -> AppSettings:
        if self._cache is None:
            self._cache = AppSettings.model_validate(self.repo.get(self.KEY, {}))
        return self._cache

    def masked(self) -> dict[str, Any]:
        data = self.current().model_dump()
        data["llm"]["api_key"] = MASK if data["llm"]["api_key"] else ""
        return data

    def update(self, change: SettingsUpdate) -> dict[str, Any]:
        settings = self.current().model_copy(deep=True)
        if change.llm is not None:
            llm = change.llm.model_dump(exclude_unset=True, exclude_none=True)
            if llm.get("api_key") == MASK:
                llm.pop("api_key")
            new_url = llm.get("base_url")
            if (
                new_url is not None
                and "api_key" not in llm
                and settings.llm.api_key
                and (_origin(new_url) != _origin(settings.llm.base_url))
            ):
                # A key never follows the user to another host it was not typed for.
                settings.llm.api_key = ""
            settings.llm = settings.llm.model_copy(update=llm)
        if change.retrieval is not None:
            settings.retrieval = settings.retrieval.model_copy(
                update=change.retrieval.model_dump(exclude_unset=True, exclude_none=True)
            )
        self.repo.put(self.KEY, settings.model_dump())
        self._cache = settings
        return self.masked()

    def retrieval(self) -> RetrievalSettings:
        return self.current().retrieval

    def key_for(self, base_url: str) -> str:
        """The saved API key, but only for the host it was typed for."""
        llm = self.current().llm
        return llm.api_key if _origin(base_url) == _origin(llm.base_url) else ""
