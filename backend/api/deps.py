"""Typed dependencies: routes get services from the app's container, never from globals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from backend.container import Container
from backend.services.chat import ChatService
from backend.services.ingest import IngestService
from backend.services.kb_models import KnowledgeModels
from backend.services.knowledge_bases import KnowledgeBaseService
from backend.services.llm_catalog import LlmCatalog
from backend.services.model_files import ModelFiles
from backend.services.sessions import SessionService
from backend.services.settings import SettingsService


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def _part(name: str) -> Callable[[Request], Any]:
    """A dependency that hands a route the container's `name` attribute."""

    def part(request: Request) -> Any:
        return getattr(_container(request), name)

    return part


ContainerDep = Annotated[Container, Depends(_container)]
ChatDep = Annotated[ChatService, Depends(_part("chat"))]
IngestDep = Annotated[IngestService, Depends(_part("ingest"))]
KnowledgeBasesDep = Annotated[KnowledgeBaseService, Depends(_part("knowledge_bases"))]
SessionsDep = Annotated[SessionService, Depends(_part("sessions"))]
SettingsDep = Annotated[SettingsService, Depends(_part("settings_service"))]
LlmCatalogDep = Annotated[LlmCatalog, Depends(_part("llm_catalog"))]
ModelFilesDep = Annotated[ModelFiles, Depends(_part("model_files"))]
KnowledgeModelsDep = Annotated[KnowledgeModels, Depends(_part("kb_models"))]
