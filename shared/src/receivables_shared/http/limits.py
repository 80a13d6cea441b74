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
from typing import Any

from fastapi.routing import iter_route_contexts
from starlette._utils import get_route_path
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
        # Routes by the literal segments their template starts with (at most two: "v1",
        # "credit-checks"): a request is matched against the few routes that can fit it, in
        # the app's order, not against all of them (each match is a regex; fifty per request
        # were a tenth of a credit check's CPU).
        self._by_head: dict[tuple[str, ...], list[int]] = {}
        for index, (_, route) in enumerate(self._routes):
            self._by_head.setdefault(_literal_head(route.template), []).append(index)
        self._candidates: dict[tuple[str, ...], list[tuple[Any, MatchedRoute]]] = {}

    def _for(self, path: str) -> list[tuple[Any, MatchedRoute]]:
        segments = path.strip("/").split("/", 2)[:HEAD_SEGMENTS]
        heads = [tuple(segments[:n]) for n in range(len(segments) + 1)]
        known = heads[-1] in self._by_head
        if known and (cached := self._candidates.get(heads[-1])) is not None:
            return cached
        indexes = sorted(i for head in heads for i in self._by_head.get(head, ()))
        candidates = [self._routes[i] for i in indexes]
        if known:  # bounded by the app's templates: unknown paths are not remembered
            self._candidates[heads[-1]] = candidates
        return candidates

    def match(self, scope: Scope) -> MatchedRoute | None:
        """The route that will serve the request; a path match with another method (405) too."""
        wrong_method = None
        for context, route in self._for(get_route_path(scope)):
            match, _ = context.matches(scope)
            if match is Match.FULL:
                return route
            if match is Match.PARTIAL and wrong_method is None:
                wrong_method = route
        return wrong_method


#: How many leading literal segments of a template index it.
HEAD_SEGMENTS = 2


def _literal_head(template: str) -> tuple[str, ...]:
    """ "/v1/customers/{customer_id}" -> ("v1", "customers"); "/{rest:path}" -> ()."""
    head: list[str] = []
    for segment in template.strip("/").split("/")[:HEAD_SEGMENTS]:
        if "{" in segment:
            break
        head.append(segment)
    return tuple(head)


def declared_length(scope: Scope) -> int | None:
    """The Content-Length the client announced; None for chunked bodies (counted as they come)."""
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
