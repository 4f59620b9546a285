"""LLM provider helpers for the settings screen (presets, model lists, connection test,
local servers, model files)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError

from backend.api.deps import LlmCatalogDep, ModelFilesDep
from backend.api.multipart import receive_files
from backend.errors import Invalid
from backend.services.llm_catalog import LlmChoice
from backend.services.settings import API_KEY_PATTERN, BASE_URL_PATTERN

router = APIRouter(prefix="/api/llm")


class ChoiceBody(BaseModel):
    provider: Literal["extractive", "openai_compatible", "llama_cpp"] | None = None
    base_url: str | None = Field(default=None, max_length=2000, pattern=BASE_URL_PATTERN)
    api_key: str | None = Field(default=None, max_length=2000, pattern=API_KEY_PATTERN)
    model: str | None = Field(default=None, max_length=500)
    model_path: str | None = Field(default=None, max_length=4000)

    def to_choice(self) -> LlmChoice:
        return LlmChoice(**self.model_dump())


class ImportPathBody(BaseModel):
    path: str = Field(min_length=1, max_length=4000)


@router.get("/presets")
async def presets(catalog: LlmCatalogDep) -> list[dict[str, Any]]:
    return catalog.presets()


@router.post("/models")
async def models(body: ChoiceBody, catalog: LlmCatalogDep) -> dict[str, list[str]]:
    return {"models": await catalog.list_models(body.to_choice())}


@router.post("/test")
async def test(body: ChoiceBody, catalog: LlmCatalogDep) -> dict[str, Any]:
    return await catalog.test(body.to_choice())


@router.get("/discover")
async def discover(catalog: LlmCatalogDep) -> list[dict[str, Any]]:
    return await catalog.discover()


@router.get("/model-files")
async def model_files(files: ModelFilesDep) -> list[dict[str, object]]:
    return [f.to_dict() for f in files.list()]


@router.post("/models/import", status_code=201)
async def import_model(request: Request, files: ModelFilesDep) -> dict[str, object]:
    """A multipart upload (`file`) or JSON `{"path": "/abs/model.gguf"}` on this machine."""
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = ImportPathBody.model_validate_json(await request.body())
        except ValidationError:
            raise Invalid(
                'Send JSON {"path": "/absolute/model.gguf"}.', code="invalid_request"
            ) from None
        return (await files.import_path(body.path)).to_dict()
    # Streamed into the models folder as it arrives: `request.form()` would first spool a
    # multi-GB model to the system temp dir.
    upload = files.receiver()
    await receive_files(request, upload, field="file", max_files=1)
    assert upload.model is not None  # receive_files answers an error when no file came
    return upload.model.to_dict()
