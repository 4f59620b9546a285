"""The chat turn as a LlamaIndex Workflow: its steps run in order and stream the answer,
and once LlamaIndex's core has loaded the turn retrieves through its retriever."""

from __future__ import annotations

from workflows.events import StepState, StepStateChanged

from backend.rag.llm.extractive import ExtractiveGenerator
from backend.services.chat_events import ChatRequest, SourcesFound
from backend.services.chat_workflow import AnswerToken, SourcesReady, TurnStarted
from tests.conftest import wait_documents

RULES = ("rules.md", b"# Loans\nBooks can be borrowed for 21 days and renewed twice.")


def _library(client) -> str:
    kb = client.post("/api/kbs", json={"name": "library"}).json()
    assert client.post(f"/api/kbs/{kb['id']}/documents", files={"files": RULES}).status_code == 202
    assert wait_documents(client, kb["id"])[0]["status"] == "ready"
    return str(kb["id"])


async def test_steps_run_condense_retrieve_answer_and_stream_the_answer(container, client):
    _library(client)
    turn = container.chat.open_turn(ChatRequest("How long can I borrow a book?"))
    run = container.chat.workflow.run(
        start_event=TurnStarted(turn=turn, generator=ExtractiveGenerator())
    )
    started, streamed = [], []
    async for event in run.stream_events(expose_internal=True):
        if isinstance(event, StepStateChanged) and event.step_state == StepState.RUNNING:
            started.append(event.name)
        elif isinstance(event, SourcesReady | AnswerToken):
            streamed.append(event)
    await run
    assert started == ["condense", "retrieve", "answer"]
    assert isinstance(streamed[0], SourcesReady) and streamed[0].passages
    answer = "".join(e.delta for e in streamed[1:] if isinstance(e, AnswerToken))
    assert "21 days" in answer and len(streamed) > 2


async def test_the_turn_retrieves_through_llamaindex_once_it_has_loaded(container, client):
    from llama_index.core.instrumentation import get_dispatcher
    from llama_index.core.instrumentation.event_handlers import BaseEventHandler
    from llama_index.core.instrumentation.events.retrieval import RetrievalEndEvent

    seen: list[RetrievalEndEvent] = []

    class Retrievals(BaseEventHandler):
        def handle(self, event, **kwargs) -> None:
            if isinstance(event, RetrievalEndEvent):
                seen.append(event)

    kb_id = _library(client)
    assert container.llamaindex_loaded.wait(60)
    handler = Retrievals()
    dispatcher = get_dispatcher()
    dispatcher.add_event_handler(handler)
    try:
        turn = container.chat.open_turn(ChatRequest("How long can I borrow?", kb_ids=[kb_id]))
        events = [e async for e in container.chat.stream(turn)]
    finally:
        dispatcher.event_handlers.remove(handler)
    sources = next(e for e in events if isinstance(e, SourcesFound)).sources
    assert len(seen) == 1 and sources
    retrieved = [n.node.metadata["filename"] for n in seen[0].nodes]
    assert retrieved == [s["filename"] for s in sources]
