"""Request dependencies. The session dependency is the unit of work: it commits once, at the end.

Services never commit; they flush when they need ids. State change, outbox rows and anything else
written during the request share one transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.auth.keys import Scope, grants
from receivables_shared.auth.models import ApiKey
from receivables_shared.clock import Clock
from receivables_shared.http.authentication import STATE_KEY
from receivables_shared.http.problems import (
    ProblemError,
    ProblemType,
)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


async def without_transaction(session: AsyncSession) -> None:
    """Declare, before the first statement, that every statement of this request stands alone
    (a read, or one insert-if-absent): each then commits by itself, without BEGIN and COMMIT
    (two round trips less on a hot path). A consistent read must therefore be one statement.
    A session already in a transaction (a test's, bound to a savepoint) is left as it is."""
    if not session.in_transaction():
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


# scope="function": the commit happens when the endpoint returns, BEFORE the response is sent.
# With the default request scope a client could get 201 for a write that a crash then loses.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


# async: FastAPI runs a plain `def` dependency in a thread, a hop that costs more than reading
# an attribute, and under load the GIL hand-over adds milliseconds to every request.
async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


ClockDep = Annotated[Clock, Depends(get_clock)]


# The two ways to send a key, as OpenAPI security schemes (and so an Authorize button in /docs).
# auto_error=False: either one is enough, and the 401 is ours (problem+json). They are not
# dependencies of `authenticate`: the request gate has already read the key, and two more
# dependencies on every request cost a tenth of the framework's time on the hot paths;
# http/openapi.py declares them on every operation that authenticates.
bearer_api_key = HTTPBearer(
    scheme_name="BearerApiKey",
    bearerFormat="rk_<prefix>_<secret>",
    description="An API key as a bearer token: `Authorization: Bearer <key>`.",
    auto_error=False,
)
api_key_header = APIKeyHeader(
    name="X-API-Key",
    scheme_name="ApiKeyHeader",
    description="The same API key in its own header, for clients that cannot send a bearer token.",
    auto_error=False,
)
SECURITY_SCHEMES = (bearer_api_key, api_key_header)


async def authenticate(request: Request) -> ApiKey:
    """The key the request gate (http/middleware.py) read, looked up and checked before the
    body was read."""
    found = getattr(request.state, STATE_KEY, None)
    if not isinstance(found, ApiKey):
        # Only a route under a public path (authentication.PUBLIC_PATHS) can get here.
        raise RuntimeError(f"{request.url.path} needs an API key but the gate treats it as public")
    return found


ApiKeyDep = Annotated[ApiKey, Depends(authenticate)]


def require_scope(scope: Scope) -> Callable[[ApiKey], Coroutine[Any, Any, ApiKey]]:
    async def check(key: ApiKeyDep) -> ApiKey:
        if not grants(key, scope):
            raise ProblemError(
                403, f"The API key lacks the '{scope}' scope.", type_=ProblemType.FORBIDDEN
            )
        return key

    return check


ReadKeyDep = Annotated[ApiKey, Depends(require_scope(Scope.READ))]
WriteKeyDep = Annotated[ApiKey, Depends(require_scope(Scope.WRITE))]
ApproveKeyDep = Annotated[ApiKey, Depends(require_scope(Scope.APPROVE))]
AdminKeyDep = Annotated[ApiKey, Depends(require_scope(Scope.ADMIN))]


async def get_settings(request: Request) -> object:
    """The running app's settings; each service wraps it as its typed SettingsDep."""
    return request.app.state.settings
