"""Builds the answer generator the settings ask for."""

from __future__ import annotations

from typing import Any

from backend.rag.extractive import ExtractiveGenerator
from backend.rag.generation import AnswerGenerator


def build_generator(llm: Any) -> AnswerGenerator:
    """`llm` is the LlmSettings model."""
    return ExtractiveGenerator()
