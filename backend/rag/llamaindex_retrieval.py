"""The app's retriever (hybrid dense + BM25 search in Qdrant, then the re-rank) as a
LlamaIndex retriever, and the chat workflow's retrieve step seen through it.

Importing LlamaIndex's core costs 2 to 2.6 s and about 100 MB, so the app loads this
module in the background after start-up (`Container.start`) and switches the chat's
retrieve step to it once loaded; until then the step asks `HybridRetriever` directly.
Both return the very same passages: the nodes carry them.
"""

from __future__ import annotations

from llama_index.core.bridge.pydantic import PrivateAttr
from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from backend.rag.passage import Passage
from backend.rag.retriever import HybridRetriever


class PassageNode(TextNode):
    """A retrieved passage as a LlamaIndex node; `passage` keeps what the answerers and
    the citations need (sentence scores, vectors) beyond the node's text and metadata."""

    _passage: Passage = PrivateAttr()

    @classmethod
    def of(cls, passage: Passage) -> PassageNode:
        node = cls(  # type: ignore[call-arg]  # metadata is a field alias to mypy
            text=passage.text,
            id_=passage.point_id or f"{passage.doc_id}/{passage.index}",
            metadata={
                "index": passage.index,
                "kb_id": passage.kb_id,
                "doc_id": passage.doc_id,
                "filename": passage.filename,
                "page": passage.page,
                "heading": passage.heading,
            },
        )
        node._passage = passage
        return node

    @property
    def passage(self) -> Passage:
        return self._passage


class HybridNodeRetriever(BaseRetriever):
    """One search's scope (knowledge bases, how many, hybrid or dense only, and the words
    whose sentences are scored) over the app's retriever."""

    def __init__(
        self,
        retriever: HybridRetriever,
        kb_ids: list[str] | None = None,
        top_k: int = 5,
        hybrid: bool = True,
        focus: str | None = None,
    ) -> None:
        super().__init__()
        self._retriever, self._kb_ids, self._top_k = retriever, kb_ids, top_k
        self._hybrid, self._focus = hybrid, focus

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        passages = self._retriever.retrieve(
            query_bundle.query_str, self._kb_ids, self._top_k, self._hybrid, self._focus
        )
        return [NodeWithScore(node=PassageNode.of(p), score=p.score) for p in passages]


def passages_of(nodes: list[NodeWithScore]) -> list[Passage]:
    return [n.node.passage for n in nodes if isinstance(n.node, PassageNode)]


class LlamaIndexRetrieval:
    """The chat workflow's retrieve step through LlamaIndex's retriever interface."""

    def __init__(self, retriever: HybridRetriever) -> None:
        self.retriever = retriever

    def retrieve(
        self,
        question: str,
        kb_ids: list[str] | None,
        top_k: int,
        hybrid: bool = True,
        focus: str | None = None,
    ) -> list[Passage]:
        scope = HybridNodeRetriever(self.retriever, kb_ids, top_k, hybrid, focus)
        return passages_of(scope.retrieve(question))
