"""Builds the answer generator the settings ask for: a new one for every answer, so that no
state is shared between sessions (the loaded local model is shared, behind its lock)."""

from __future__ import annotations

from typing import Any

from backend.rag.llm.extractive import ExtractiveGenerator
from backend.rag.llm.generation import AnswerGenerator
from backend.rag.llm.gguf import LlamaCppGenerator, LocalModels
from backend.rag.llm.model_server import Endpoint, HttpClients
from backend.rag.llm.openai_compatible import OpenAICompatibleGenerator


def endpoint_of(llm: Any) -> Endpoint:
    return Endpoint(llm.base_url, llm.api_key, llm.timeout_s)


def build_generator(
    llm: Any, local_models: LocalModels | None = None, clients: HttpClients | None = None
) -> AnswerGenerator:
    """`llm` is the LlmSettings model."""
    if llm.provider == "openai_compatible":
        return OpenAICompatibleGenerator(
            endpoint_of(llm), llm.model, llm.temperature, llm.max_tokens, clients
        )
    if llm.provider == "llama_cpp":
        return LlamaCppGenerator(
            local_models or LocalModels(), llm.model_path, llm.temperature, llm.max_tokens
        )
    return ExtractiveGenerator()
