"""The knowledge bases as "models" for OpenAI clients: `wow-rag` asks all of them,
`kb:<name>` asks one."""

from __future__ import annotations

from dataclasses import dataclass

from backend.errors import NotFound
from backend.store.knowledge_bases import KnowledgeBaseRepository

ALL_MODEL = "wow-rag"
KB_PREFIX = "kb:"


@dataclass
class KnowledgeModel:
    id: str
    created_at: str
    description: str


class KnowledgeModels:
    def __init__(self, kbs: KnowledgeBaseRepository) -> None:
        self.kbs = kbs

    def all(self) -> list[KnowledgeModel]:
        found = self.kbs.all()
        first = min((kb.created_at for kb in found), default="")
        return [KnowledgeModel(ALL_MODEL, first, "Every knowledge base")] + [
            KnowledgeModel(KB_PREFIX + kb.name, kb.created_at, kb.description) for kb in found
        ]

    def kb_ids(self, model: str) -> list[str] | None:
        """The knowledge bases a model name means; None means all of them."""
        if model == ALL_MODEL:
            return None
        if model.startswith(KB_PREFIX):
            name = model[len(KB_PREFIX) :]
            for kb in self.kbs.all():
                if kb.name == name:
                    return [kb.id]
        raise NotFound(
            f"The model {model!r} does not exist. Use {ALL_MODEL!r} or "
            f"'{KB_PREFIX}<knowledge base name>' (see /v1/models).",
            code="model_not_found",
        )
