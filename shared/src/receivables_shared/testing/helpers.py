"""Small helpers for tests: polling for an asynchronous effect, API key headers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.auth.keys import Scope, issue_api_key

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 20.0, interval: float = 0.05
) -> T:
    """Await `probe` until it returns something truthy; fail loudly after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


async def api_key_headers(session: AsyncSession, *scopes: Scope) -> dict[str, str]:
    issued = await issue_api_key(session, name="test", scopes=list(scopes) or [Scope.ADMIN])
    return {"Authorization": f"Bearer {issued.secret}"}
