"""The request gate, as a plain ASGI middleware in front of every route (cheap on the hot path).

Per request, in this order:
1. the correlation id from X-Request-ID (or a new one), echoed in the response;
2. the API key, from the headers alone, for every non-public path: 401 without reading the body
   (FastAPI reads and parses the body before it resolves any dependency);
3. the declared Content-Length against the route's body limit: 413 without reading the body
   (a chunked or understated body is counted as it streams, by FastAPI's per-route limit);
4. metrics labelled by route template and a known method, and one access log line.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from receivables_shared.auth.models import ApiKey
from receivables_shared.db.faults import is_transient
from receivables_shared.http.authentication import (
    MISSING_KEY,
    STATE_KEY,
    UNKNOWN_KEY,
    ApiKeyFinder,
    is_public,
    presented_key,
)
from receivables_shared.http.limits import MatchedRoute, RouteTable, declared_length
from receivables_shared.http.problems import (
    BEARER_CHALLENGE,
    INVALID_KEY_CHALLENGE,
    database_unavailable,
    problem_response,
)
from receivables_shared.logging import correlation_id, log_access
from receivables_shared.metrics import (
    HTTP_LATENCY,
    HTTP_REQUESTS,
    UNMATCHED_ROUTE,
    method_label,
)

log = logging.getLogger(__name__)

REQUEST_ID_HEADER = b"x-request-id"
MAX_REQUEST_ID_LENGTH = 200
#: Visible ASCII, inner spaces allowed: what can be echoed as a header value and logged as is.
_ECHOABLE = re.compile(r"[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?")


def _usable_request_id(incoming: bytes | None) -> str:
    """The caller's id, cut to length, when it can be echoed back; else a new one."""
    if incoming:
        candidate = incoming[:MAX_REQUEST_ID_LENGTH].decode("latin-1").strip()
        if _ECHOABLE.fullmatch(candidate):
            return candidate
    return str(uuid.uuid4())


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, service: str, max_body_size: int) -> None:
        self.app = app
        self.service = service
        self.max_body_size = max_body_size
        self._routes: RouteTable | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _usable_request_id(dict(scope["headers"]).get(REQUEST_ID_HEADER))
        token = correlation_id.set(request_id)
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before it answers

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (REQUEST_ID_HEADER, request_id.encode()),
                ]
            await send(message)

        route = self._route_table(scope["app"]).match(scope)
        api_key: ApiKey | None = None
        try:
            refusal: Response | None = None
            if not is_public(scope["path"]):
                api_key, refusal = await self._authenticate(scope)
            if refusal is None:
                refusal = self._refuse_declared_oversize(scope, route)
            if refusal is not None:
                await refusal(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            self._observe(scope, route, status, started, request_id, api_key)
            correlation_id.reset(token)

    def _route_table(self, app: FastAPI) -> RouteTable:
        # Built on the first request: by then every router is included.
        if self._routes is None:
            self._routes = RouteTable(app.routes)
        return self._routes

    async def _authenticate(self, scope: Scope) -> tuple[ApiKey | None, Response | None]:
        request = Request(scope)
        secret = presented_key(request.headers)
        key = None
        if secret is not None:
            finder: ApiKeyFinder = request.app.state.api_key_finder
            try:
                key = await finder(secret)
            except Exception as error:
                if not is_transient(error):
                    raise
                # The key cannot be checked while the database is away: not the caller's fault.
                return None, database_unavailable(request, error)
        if key is None:
            detail = MISSING_KEY if secret is None else UNKNOWN_KEY
            challenge = BEARER_CHALLENGE if secret is None else INVALID_KEY_CHALLENGE
            return None, problem_response(
                request, 401, detail, headers={"WWW-Authenticate": challenge}
            )
        state: dict[str, Any] = scope.setdefault("state", {})
        state[STATE_KEY] = key
        return key, None

    def _refuse_declared_oversize(
        self, scope: Scope, route: MatchedRoute | None
    ) -> Response | None:
        limit = self.max_body_size
        if route is not None and route.max_body_size is not None:
            limit = route.max_body_size
        length = declared_length(scope)
        if length is None or length <= limit:
            return None
        detail = f"The request body is {length} bytes; at most {limit} are accepted."
        return problem_response(Request(scope), 413, detail)

    def _observe(
        self,
        scope: Scope,
        route: MatchedRoute | None,
        status: int,
        started: float,
        request_id: str,
        api_key: ApiKey | None,
    ) -> None:
        duration = time.perf_counter() - started
        template = route.template if route is not None else UNMATCHED_ROUTE
        method = method_label(scope["method"])
        HTTP_REQUESTS.labels(self.service, method, template, str(status)).inc()
        HTTP_LATENCY.labels(self.service, method, template).observe(duration)
        log_access(
            method=scope["method"][:20],
            route=template,
            status=status,
            duration_seconds=duration,
            request_id=request_id,
            api_key_name=api_key.name if api_key is not None else None,
        )
