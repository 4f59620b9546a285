"""Fixtures shared by the API tests that talk to a model server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes import FakeLlm, served_llm


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeLlm]:
    """A scripted OpenAI-compatible model server on loopback, one per test module."""
    with served_llm() as fake:
        yield fake
