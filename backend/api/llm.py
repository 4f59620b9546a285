"""LLM provider helpers for the settings screen (presets, model lists, connection test)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/llm")
