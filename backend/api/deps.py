"""Typed dependencies: routes get services from the app's container, never from globals.
Each alias names the type a route receives; no lookup by string."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from backend.container import Container
from backend.services.app_info import AppInfo
from backend.services.chat import ChatService
from backend.services.events import EventBus
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


ContainerDep = Annotated[Container, Depends(_container)]


def _chat(c: ContainerDep) -> ChatService:
    return c.chat


def _ingest(c: ContainerDep) -> IngestService:
    return c.ingest


def _knowledge_bases(c: ContainerDep) -> KnowledgeBaseService:
    return c.knowledge_bases


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


def _events(c: ContainerDep) -> EventBus:
    return c.events


def _app_info(c: ContainerDep) -> AppInfo:
    return c.app_info


ChatDep = Annotated[ChatService, Depends(_chat)]
IngestDep = Annotated[IngestService, Depends(_ingest)]
KnowledgeBasesDep = Annotated[KnowledgeBaseService, Depends(_knowledge_bases)]
SessionsDep = Annotated[SessionService, Depends(_sessions)]
SettingsDep = Annotated[SettingsService, Depends(_settings)]
LlmCatalogDep = Annotated[LlmCatalog, Depends(_llm_catalog)]
ModelFilesDep = Annotated[ModelFiles, Depends(_model_files)]
KnowledgeModelsDep = Annotated[KnowledgeModels, Depends(_kb_models)]
EventBusDep = Annotated[EventBus, Depends(_events)]
AppInfoDep = Annotated[AppInfo, Depends(_app_info)]
