"""multilingual-e5-small run by numpy on any system: weights file, tokenizer, encoder."""

from backend.rag.e5.embedder import PASSAGE, QUERY, E5Embedder
from backend.rag.e5.weights import WeightsMissing

__all__ = ["PASSAGE", "QUERY", "E5Embedder", "WeightsMissing"]
