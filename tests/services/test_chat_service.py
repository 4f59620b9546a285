"""The chat service without HTTP: follow-ups, failures of the rewrite step, saved turns."""

from __future__ import annotations

from collections.abc import AsyncIterator

from backend.rag.llm.generation import AnswerRequest, GenerationError, Turn
from backend.services.chat_events import AnswerDone, ChatRequest
from backend.services.chat_workflow import followup_query
from tests.conftest import wait_documents


class RewriteFails:
    """A model whose follow-up rewrite times out but whose answer works."""

    name = "stub"

    async def condense(self, question: str, history: list[Turn]) -> str:
        raise GenerationError("llm_timeout", "too slow")

    async def stream(self, request: AnswerRequest) -> AsyncIterator[str]:
        yield "answered"

    async def close(self) -> None:
        return None


async def test_failed_condense_falls_back_to_the_heuristic(container, client):
    container.chat.generator = RewriteFails
    kb = client.post("/api/kbs", json={"name": "library"}).json()
    rules = ("rules.md", b"# Loans\nBooks can be borrowed for 21 days and renewed twice.")
    assert client.post(f"/api/kbs/{kb['id']}/documents", files={"files": rules}).status_code == 202
    assert wait_documents(client, kb["id"])[0]["status"] == "ready"
    first = container.chat.open_turn(ChatRequest("How long can I borrow a book?"))
    [event async for event in container.chat.stream(first)]
    follow = container.chat.open_turn(ChatRequest("Can I renew it?", session_id=first.session_id))
    events = [event async for event in container.chat.stream(follow)]
    assert isinstance(events[-1], AnswerDone) and events[-1].answer == "answered"
    saved = container.session_repo.messages(first.session_id)
    assert [m.status for m in saved if m.role == "assistant"] == ["done", "done"]


def test_followup_heuristic_only_for_questions_that_point_back():
    history = [Turn("user", "How long can I borrow a book?"), Turn("assistant", "21 days.")]
    assert followup_query("Can I renew it?", history).startswith("How long can I borrow")
    assert followup_query("What is the late fee?", history) == "What is the late fee?"
    assert followup_query("熊猫咖啡机的保修期是多久？", history) == "熊猫咖啡机的保修期是多久？"
