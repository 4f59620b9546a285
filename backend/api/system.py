"""Health, app info and settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backend import __version__
from backend.api.deps import AppInfoDep, ModelFilesDep, SettingsDep
from backend.services.settings import SettingsUpdate

router = APIRouter()


@router.get("/api/health")
async def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/api/info")
async def info(app: AppInfoDep) -> dict[str, object]:
    return app.to_json()


@router.get("/api/settings")
async def get_settings(settings: SettingsDep) -> dict[str, Any]:
    return settings.masked()


@router.put("/api/settings")
async def put_settings(
    body: SettingsUpdate, settings: SettingsDep, model_files: ModelFilesDep
) -> dict[str, Any]:
    if body.llm is not None and body.llm.model_path:
        # A model chosen anywhere on disk is copied into the data dir's models folder, so
        # the app keeps working when the original is moved or the stick is unplugged.
        body.llm.model_path = (await model_files.import_path(body.llm.model_path)).path
    return settings.update(body)
