"""Stop during an extractive answer (the default mode, no model configured): the client
leaves mid-answer, the turn ends and the partial answer is saved once, marked stopped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import AUTH, read_sse
from tests.fakes import served_app

# One long sentence: the extractive answer streams it in many small pieces.
POLICY = (
    "# 差旅制度\n## 住宿标准\n"
    "员工出差期间在一线城市的住宿标准为每晚八百元以内，在其他城市为每晚五百元以内，"
    "超出部分需要提前获得部门负责人和财务部门的书面批准，否则超出的费用将由员工本人承担，"
    "并且所有住宿费用都必须在出差结束后的十五个工作日内提交发票和行程单进行报销。\n"
)
QUESTION = "员工出差的住宿标准是多少？"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[served_app]:
    with served_app(Path(tmp_path_factory.mktemp("stop"))) as served:
        served.add_kb("policy", {"travel.md": POLICY})
        yield served


def _blocks(lines: Iterator[str]) -> Iterator[dict[str, Any]]:
    block: list[str] = []
    for line in lines:
        block.append(line)
        if line == "":
            yield from read_sse(iter(block))
            block = []


def _saved_answer(app: served_app, session_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        messages = app.client.get(f"/api/sessions/{session_id}").json()["messages"]
        answers = [m for m in messages if m["role"] == "assistant"]
        if answers and answers[0]["status"] != "streaming":
            assert len(answers) == 1, answers
            return dict(answers[0])
        time.sleep(0.05)
    raise AssertionError("the stopped answer was never saved")


def test_stop_during_an_extractive_answer_saves_the_part_that_was_shown(app):
    whole = app.client.post("/api/chat", json={"question": QUESTION}).json()["answer"]
    seen: list[str] = []
    with (
        httpx.Client(base_url=app.url, headers=AUTH, timeout=10) as client,
        client.stream("POST", "/api/chat/stream", json={"question": QUESTION}) as answer,
    ):
        for event in _blocks(answer.iter_lines()):
            if event["event"] == "session":
                session_id = event["session_id"]
            elif event["event"] == "token":
                seen.append(event["delta"])
                if len(seen) == 3:
                    break
    saved = _saved_answer(app, session_id)
    assert saved["status"] == "stopped"
    assert saved["content"].startswith("".join(seen))
    assert len(saved["content"]) < len(whole), "the answer ran to the end after Stop"
