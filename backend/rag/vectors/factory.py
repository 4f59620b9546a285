"""Opens the vector store the settings name: Qdrant Edge, qdrant-client local mode or a
Qdrant server. Kept apart from the protocol so that the stores import the protocol and
nothing imports the stores but this module."""

from __future__ import annotations

from backend.rag.vectors.store import VectorStore


def open_vector_store(
    engine: str, folder: str, dimension: int, url: str | None = None, api_key: str | None = None
) -> VectorStore:
    if engine == "edge":
        from backend.rag.vectors.edge import EdgeVectorStore

        return EdgeVectorStore(folder, dimension)
    from backend.rag.vectors.qdrant import QdrantClientVectorStore

    return QdrantClientVectorStore(engine, folder, dimension, url=url, api_key=api_key)
