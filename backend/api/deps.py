"""Typed dependencies: routes get services from the app's container, never from globals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from backend.container import Container
from backend.services.chat import ChatService
from backend.services.ingest import IngestService
from backend.services.kb_models import KnowledgeModels
from backend.services.llm_catalog import LlmCatalog
from backend.services.model_files import ModelFiles
from backend.services.sessions import SessionService
from backend.services.settings import SettingsService


def _container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(_container)]


def _chat(c: ContainerDep) -> ChatService:
    return c.chat


def _ingest(c: ContainerDep) -> IngestService:
    return c.ingest


def _sessions(c: ContainerDep) -> SessionService:
    return c.sessions


def _settings(c: ContainerDep) -> SettingsService:
    return c.settings_service


def _llm_catalog(c: ContainerDep) -> LlmCatalog:
    return c.llm_catalog


def _model_files(c: ContainerDep) -> ModelFiles:
    return c.model_files


def _kb_models(c: ContainerDep) -> KnowledgeModels:
    return c.kb_models


ChatDep = Annotated[ChatService, Depends(_chat)]
IngestDep = Annotated[IngestService, Depends(_ingest)]
SessionsDep = Annotated[SessionService, Depends(_sessions)]
SettingsDep = Annotated[SettingsService, Depends(_settings)]
LlmCatalogDep = Annotated[LlmCatalog, Depends(_llm_catalog)]
ModelFilesDep = Annotated[ModelFiles, Depends(_model_files)]
KnowledgeModelsDep = Annotated[KnowledgeModels, Depends(_kb_models)]
