"""Which route a request is for, and how large its body may be, known before the app runs.

FastAPI counts body bytes as they stream in against each route's `max_body_size` (the
service-wide default comes from the `MAX_BODY_BYTES` setting; an upload route raises its own:
`@router.post("/bank-files", max_body_size=20 * MIB)`). The request middleware uses this table
to refuse a body whose declared Content-Length is already too large without reading a byte, and
to name requests by their route template in metrics and the access log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers
from starlette.routing import BaseRoute, Match
from starlette.types import Scope

MIB = 1024 * 1024
DEFAULT_MAX_BODY_BYTES = 1 * MIB


@dataclass(frozen=True)
class MatchedRoute:
    #: The full path template, prefix included: "/v1/invoices/{invoice_id}".
    template: str
    #: The route's own body limit; None: the service default applies.
    max_body_size: int | None


class RouteTable:
    """The app's routes with their full templates, matched the way the router matches them.

    `scope["route"]` is no help here: the router fills it in only after the middleware has run,
    and for routes of an included router it holds the route without the `/v1` prefix.
    """

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        self._routes = [
            (context, MatchedRoute(template, getattr(context, "max_body_size", None)))
            for context in iter_route_contexts(routes)
            if (template := context.path_format) is not None
        ]

    def match(self, scope: Scope) -> MatchedRoute | None:
        """The route that will serve the request; a path match with another method (405) too."""
        wrong_method = None
        for context, route in self._routes:
            match, _ = context.matches(scope)
            if match is Match.FULL:
                return route
            if match is Match.PARTIAL and wrong_method is None:
                wrong_method = route
        return wrong_method


def declared_length(scope: Scope) -> int | None:
    """The Content-Length the client announced; None for chunked bodies (counted as they come)."""
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
