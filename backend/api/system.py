"""Health, app info and settings."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backend import __version__
from backend.api.deps import ContainerDep, SettingsDep
from backend.services.settings import SettingsUpdate

router = APIRouter()


@router.get("/api/health")
async def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}


@router.get("/api/info")
async def info(c: ContainerDep) -> dict[str, Any]:
    return {
        "version": __version__,
        "data_dir": str(c.paths.root),
        "vector_engine": c.store.engine,
        "embedder": c.embedder.name,
        "disk": c.disk.state().to_dict(),
        # the e5 second pass: state off | no_weights | loading | waiting | paused | running | done
        "passage_vectors": c.passage_vectors.state().to_dict(),
    }


@router.get("/api/settings")
async def get_settings(settings: SettingsDep) -> dict[str, Any]:
    return settings.masked()


@router.put("/api/settings")
async def put_settings(
    body: SettingsUpdate, settings: SettingsDep, c: ContainerDep
) -> dict[str, Any]:
    if body.llm is not None and body.llm.model_path:
        # A model chosen anywhere on disk is copied into the data dir's models folder, so
        # the app keeps working when the original is moved or the stick is unplugged.
        body.llm.model_path = (await c.model_files.import_path(body.llm.model_path)).path
    return settings.update(body)
