"""The OpenAPI document of every service, complete enough to generate a client from.

FastAPI documents the routes, their bodies, parameters and security schemes. This adds what it
cannot know: every error is `application/problem+json` with one shared `Problem` schema (instead
of FastAPI's HTTPValidationError), which problems each operation can answer with, and the
`X-Request-ID` header that every request may send and every response carries.

Which problems an operation declares follows from what it takes:
- a security requirement: 401 (with `WWW-Authenticate`), 403, and 503 (the key is looked up in
  the database, which may be away);
- a path parameter: 404;
- the `Idempotency-Key` header: 409 (the first request with that key is still running);
- any input (parameters or a body): 422;
- a body: 400 (not valid JSON), 413 (larger than the route allows) and 415 (not JSON at all).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.encoders import jsonable_encoder
from fastapi.routing import APIRoute, iter_route_contexts

from receivables_shared.http.dependencies import SECURITY_SCHEMES, authenticate
from receivables_shared.http.problems import PROBLEM_JSON, Problem
from receivables_shared.idempotency.dependencies import HEADER as IDEMPOTENCY_HEADER
from receivables_shared.idempotency.dependencies import REPLAYED_HEADER

JsonObject = dict[str, Any]

REQUEST_ID_HEADER = "X-Request-ID"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

#: status -> (component name, description) of every problem response the platform declares.
PROBLEM_RESPONSES: dict[int, tuple[str, str]] = {
    400: ("InvalidJson", "The body is not valid JSON; the problem says where."),
    401: ("Unauthorized", "No API key, or one that is unknown or revoked."),
    403: ("Forbidden", "The API key lacks the scope this operation needs."),
    404: ("NotFound", "What the path names does not exist."),
    409: ("Conflict", "A request with the same Idempotency-Key is still running; retry later."),
    413: ("PayloadTooLarge", "The body is larger than this operation accepts (MAX_BODY_BYTES)."),
    415: ("UnsupportedMediaType", "The body is not sent as application/json."),
    422: ("ValidationFailed", "A field is invalid; errors[] names each one and where it was."),
    503: (
        "ServiceUnavailable",
        "The database is unavailable or busy (or a service it asks is); retry after a moment.",
    ),
}

DESCRIPTION = """\
**Authentication**: every operation except health and metrics needs an API key, as
`Authorization: Bearer <key>` or `X-API-Key: <key>`. No key or an unknown key is 401, a key
without the scope the operation needs is 403.

**Errors** are RFC 9457 `application/problem+json` documents with one shape (`Problem`): a
`type` URI per kind of problem, `title`, `status`, `detail`, `instance` and `errors[]` naming
each field at fault with its `location` (body, query, path, header). Nothing is changed by a
request that fails.

**Money** is a decimal string with an ISO 4217 currency (`"1200.50"`, `"EUR"`); a JSON number
is refused. Send `Idempotency-Key` with creating requests to make retries safe, and
`X-Request-ID` to correlate logs and events.
"""


def _ref(*path: str) -> JsonObject:
    return {"$ref": "#/components/" + "/".join(path)}


def _problem_content() -> JsonObject:
    return {PROBLEM_JSON: {"schema": _ref("schemas", "Problem")}}


def _components() -> JsonObject:
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas: JsonObject = {**problem.pop("$defs", {}), "Problem": problem}
    headers: JsonObject = {
        "RequestId": {
            "description": "The request's correlation id: the one sent, or one made up.",
            "schema": {"type": "string"},
        },
        "WwwAuthenticate": {
            "description": "How to authenticate: a bearer API key.",
            "schema": {"type": "string", "examples": ['Bearer realm="receivables"']},
        },
        "RetryAfter": {
            "description": "Seconds to wait before retrying.",
            "schema": {"type": "integer", "minimum": 0},
        },
        "IdempotentReplayed": {
            "description": "`true` when this is the stored answer to an earlier request.",
            "schema": {"type": "string", "enum": ["true"]},
        },
    }
    responses: JsonObject = {}
    for status, (name, description) in PROBLEM_RESPONSES.items():
        response_headers: JsonObject = {REQUEST_ID_HEADER: _ref("headers", "RequestId")}
        if status == 401:
            response_headers["WWW-Authenticate"] = _ref("headers", "WwwAuthenticate")
        if status == 503:
            response_headers["Retry-After"] = _ref("headers", "RetryAfter")
        responses[name] = {
            "description": description,
            "headers": response_headers,
            "content": _problem_content(),
        }
    parameters: JsonObject = {
        "RequestId": {
            "name": REQUEST_ID_HEADER,
            "in": "header",
            "required": False,
            "description": "Your correlation id; it is echoed back and carried into the logs "
            "and the events this request causes.",
            "schema": {"type": "string", "maxLength": 200},
        }
    }
    return {
        "schemas": schemas,
        "headers": headers,
        "responses": responses,
        "parameters": parameters,
    }


def _problems_of(operation: JsonObject) -> list[int]:
    named = [p for p in operation.get("parameters", []) if "name" in p]
    takes_body = "requestBody" in operation
    statuses = []
    if takes_body:
        statuses += [400, 413, 415]
    if operation.get("security"):
        statuses += [401, 403, 503]
    if any(p["in"] == "path" for p in named):
        statuses.append(404)
    if any(p["name"] == IDEMPOTENCY_HEADER for p in named):
        statuses.append(409)
    if named or takes_body:
        statuses.append(422)
    return sorted(statuses)


def _complete_operation(operation: JsonObject) -> None:
    idempotent = any(p.get("name") == IDEMPOTENCY_HEADER for p in operation.get("parameters", []))
    responses: JsonObject = operation.setdefault("responses", {})
    for status in _problems_of(operation):
        name, _ = PROBLEM_RESPONSES[status]
        responses[str(status)] = _ref("responses", name)
    for code, response in responses.items():
        if "$ref" in response:
            continue
        headers = response.setdefault("headers", {})
        headers[REQUEST_ID_HEADER] = _ref("headers", "RequestId")
        if code[:1] in ("4", "5"):  # "404", "4XX"; not "default"
            # A problem a route declares itself (e.g. 503 of readiness): the one shape too.
            response["content"] = _problem_content()
        elif idempotent:
            headers[REPLAYED_HEADER] = _ref("headers", "IdempotentReplayed")
    operation.setdefault("parameters", []).append(_ref("parameters", "RequestId"))


def complete_document(document: JsonObject) -> JsonObject:
    """Add the problem responses and correlation header to a FastAPI document, in place."""
    components: JsonObject = document.setdefault("components", {})
    schemas: JsonObject = components.setdefault("schemas", {})
    # Replaced by Problem everywhere: no operation refers to them any more.
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for section, entries in _components().items():
        components.setdefault(section, {}).update(entries)
    document["info"]["description"] = DESCRIPTION
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in HTTP_METHODS:
                _complete_operation(operation)
    return document


def _needs_key(dependant: Dependant) -> bool:
    return any(sub.call is authenticate or _needs_key(sub) for sub in dependant.dependencies)


def declare_security(app: FastAPI, document: JsonObject) -> None:
    """Both ways to send an API key, on every operation that authenticates (what FastAPI
    writes for security dependencies; `authenticate` has none, see http/dependencies.py)."""
    requirement: list[JsonObject] = [{scheme.scheme_name: []} for scheme in SECURITY_SCHEMES]
    secured = False
    for context in iter_route_contexts(app.routes):
        route = context.route
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        if not _needs_key(route.dependant):
            continue
        path_item = document.get("paths", {}).get(context.path_format, {})
        for method in context.methods or ():
            if (operation := path_item.get(method.lower())) is not None:
                operation["security"] = requirement
                secured = True
    if secured:  # beside the schemes routes declare themselves (webhook signatures)
        schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
        for scheme in SECURITY_SCHEMES:
            schemes[scheme.scheme_name] = jsonable_encoder(
                scheme.model, by_alias=True, exclude_none=True
            )


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (and so in /docs)."""
    generate: Callable[[], JsonObject] = app.openapi

    def openapi() -> JsonObject:
        if app.openapi_schema is None:
            document = generate()
            declare_security(app, document)
            app.openapi_schema = complete_document(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
