"""Fixtures for the dev stack's tests; the helpers are in receivables_shared.testing.stack."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from receivables_shared.testing.stack import StackUnderTest


@pytest.fixture
def stack_factory(
    tmp_path: Path, postgres_server_url: str
) -> Iterator[Callable[[str], StackUnderTest]]:
    made: list[StackUnderTest] = []

    def make(purpose: str) -> StackUnderTest:
        stack = StackUnderTest(tmp_path / purpose / "var", postgres_server_url, purpose)
        made.append(stack)
        return stack

    yield make
    for stack in made:
        stack.leave_nothing_running()
