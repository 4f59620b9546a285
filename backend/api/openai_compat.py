"""Our own OpenAI-compatible API over the knowledge bases."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1")
