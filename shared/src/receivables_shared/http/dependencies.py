"""Request dependencies. The session dependency is the unit of work: it commits once, at the end.

Services never commit; they flush when they need ids. State change, outbox rows and anything else
written during the request share one transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.auth.keys import Scope, find_api_key, grants
from receivables_shared.auth.models import ApiKey
from receivables_shared.clock import Clock
from receivables_shared.http.authentication import STATE_KEY, presented_key
from receivables_shared.http.problems import ProblemError


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


# scope="function": the commit happens when the endpoint returns, BEFORE the response is sent.
# With the default request scope a client could get 201 for a write that a crash then loses.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


ClockDep = Annotated[Clock, Depends(get_clock)]


class Unauthorized(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(401, detail)


async def authenticate(request: Request, session: SessionDep) -> ApiKey:
    # The request middleware has already checked the key, before the body was read.
    found = getattr(request.state, STATE_KEY, None)
    if isinstance(found, ApiKey):
        return found
    secret = presented_key(request.headers)
    if secret is None:
        raise Unauthorized("An API key is required: send 'Authorization: Bearer <key>'.")
    key = await find_api_key(session, secret)
    if key is None:
        raise Unauthorized("The API key is unknown or revoked.")
    return key


ApiKeyDep = Annotated[ApiKey, Depends(authenticate)]


def require_scope(scope: Scope) -> Callable[[ApiKey], Coroutine[Any, Any, ApiKey]]:
    async def check(key: ApiKeyDep) -> ApiKey:
        if not grants(key, scope):
            raise ProblemError(403, f"The API key lacks the '{scope}' scope.")
        return key

    return check


ReadKeyDep = Annotated[ApiKey, Depends(require_scope(Scope.READ))]
WriteKeyDep = Annotated[ApiKey, Depends(require_scope(Scope.WRITE))]
AdminKeyDep = Annotated[ApiKey, Depends(require_scope(Scope.ADMIN))]


def get_settings(request: Request) -> object:
    """The running app's settings; each service wraps it as its typed SettingsDep."""
    return request.app.state.settings
