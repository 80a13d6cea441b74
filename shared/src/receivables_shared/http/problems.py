"""RFC 9457 problem details for every 4xx and 5xx, in one shape; validation errors name the field.

Every problem has `type` (a URI per kind of problem, see docs/errors.md), `title` (the same for
every problem of that type), `status`, `detail` (this occurrence, in words), `instance` (the
request path) and `errors` (the fields at fault, maybe none). A business rule broken in a service
(`InvalidField`) looks exactly like a request that failed validation.
"""

from __future__ import annotations

import email.message
import logging
from collections.abc import Mapping, Sequence
from enum import StrEnum
from http import HTTPStatus
from typing import Any, Literal

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from receivables_shared.db.faults import describe, is_transient

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"

#: Problem types are tag URIs (RFC 4151): stable names, not addresses to fetch. docs/errors.md
#: documents each one.
PROBLEM_TYPE_BASE = "tag:receivables-platform,2026:problems/"

#: How long a client should wait before retrying when the database is away.
RETRY_AFTER_SECONDS = 1
RETRY_AFTER_HEADERS = {"Retry-After": str(RETRY_AFTER_SECONDS)}
DATABASE_UNAVAILABLE = (
    "The service's database is unavailable or busy just now; nothing was changed. Retry shortly."
)

#: The challenge sent with every 401 (RFC 9110 11.6.1): the key goes in a Bearer header.
BEARER_CHALLENGE = 'Bearer realm="receivables"'
INVALID_KEY_CHALLENGE = 'Bearer realm="receivables", error="invalid_token"'

Location = Literal["body", "query", "path", "header", "cookie"]


class ProblemType(StrEnum):
    """The kinds of problem the platform answers with; docs/errors.md explains each.

    `phrase` is the problem's title (`title` is taken by str)."""

    BAD_REQUEST = f"{PROBLEM_TYPE_BASE}bad-request"
    INVALID_JSON = f"{PROBLEM_TYPE_BASE}invalid-json"
    UNAUTHORIZED = f"{PROBLEM_TYPE_BASE}unauthorized"
    FORBIDDEN = f"{PROBLEM_TYPE_BASE}forbidden"
    NOT_FOUND = f"{PROBLEM_TYPE_BASE}not-found"
    METHOD_NOT_ALLOWED = f"{PROBLEM_TYPE_BASE}method-not-allowed"
    CONFLICT = f"{PROBLEM_TYPE_BASE}conflict"
    PAYLOAD_TOO_LARGE = f"{PROBLEM_TYPE_BASE}payload-too-large"
    UNSUPPORTED_MEDIA_TYPE = f"{PROBLEM_TYPE_BASE}unsupported-media-type"
    VALIDATION = f"{PROBLEM_TYPE_BASE}validation"
    INTERNAL = f"{PROBLEM_TYPE_BASE}internal"
    SERVICE_UNAVAILABLE = f"{PROBLEM_TYPE_BASE}service-unavailable"

    @property
    def status(self) -> int:
        return _STATUS_OF[self]

    @property
    def phrase(self) -> str:
        if self is ProblemType.VALIDATION:
            return "Validation failed"
        if self is ProblemType.INVALID_JSON:
            return "Invalid JSON"
        return HTTPStatus(self.status).phrase

    @classmethod
    def for_status(cls, status: int) -> ProblemType | None:
        """The general type of a status; None for a status no problem type is defined for."""
        return _TYPE_OF_STATUS.get(status)


_STATUS_OF = {
    ProblemType.BAD_REQUEST: 400,
    ProblemType.INVALID_JSON: 400,
    ProblemType.UNAUTHORIZED: 401,
    ProblemType.FORBIDDEN: 403,
    ProblemType.NOT_FOUND: 404,
    ProblemType.METHOD_NOT_ALLOWED: 405,
    ProblemType.CONFLICT: 409,
    ProblemType.PAYLOAD_TOO_LARGE: 413,
    ProblemType.UNSUPPORTED_MEDIA_TYPE: 415,
    ProblemType.VALIDATION: 422,
    ProblemType.INTERNAL: 500,
    ProblemType.SERVICE_UNAVAILABLE: 503,
}
# INVALID_JSON is a specific 400; a bare 400 is the general BAD_REQUEST.
_TYPE_OF_STATUS = {
    status: kind for kind, status in _STATUS_OF.items() if kind is not ProblemType.INVALID_JSON
}


_KNOWN_TYPES = frozenset(kind.value for kind in ProblemType)


class FieldError(BaseModel):
    """One input at fault: where it was and what is wrong with it."""

    field: str = Field(examples=["lines[0].unit_price"])
    location: Location = Field(examples=["body"])
    message: str = Field(examples=["Decimal input should have no more than 2 decimal places"])


class Problem(BaseModel):
    """RFC 9457 problem details: the body of every 4xx and 5xx answer."""

    type: str = Field(examples=[ProblemType.VALIDATION.value])
    title: str = Field(examples=["Validation failed"])
    status: int = Field(examples=[422])
    detail: str = Field(
        examples=[
            "Invalid field 'lines[0].unit_price': "
            "Decimal input should have no more than 2 decimal places"
        ]
    )
    instance: str = Field(examples=["/v1/invoices"])
    errors: list[FieldError] = Field(description="The inputs at fault; empty when none is.")


class ProblemError(Exception):
    """Raise from a service to answer with a problem document; nothing has been changed."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        field: str | None = None,
        location: Location = "body",
        type_: str | None = None,
        errors: Sequence[FieldError] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_ or _default_type(status)
        self.title = title or _default_title(self.type, status)
        self.field = field
        self.errors = list(errors or [])
        if field is not None and not self.errors:
            self.errors = [FieldError(field=field, location=location, message=detail)]
        self.headers = dict(headers or {})


class NotFound(ProblemError):
    def __init__(self, what: str, identifier: object) -> None:
        super().__init__(404, f"{what} {identifier} does not exist")


class InvalidField(ProblemError):
    """A wrong value (unknown reference, impossible date) in an otherwise valid request.

    Answered exactly like a request that failed validation: same type, title and errors[]."""

    def __init__(self, field: str, message: str, *, location: Location = "body") -> None:
        super().__init__(
            422,
            f"Invalid field '{field}': {message}",
            type_=ProblemType.VALIDATION,
            field=field,
            errors=[FieldError(field=field, location=location, message=message)],
        )


def _default_type(status: int) -> str:
    kind = ProblemType.for_status(status)
    return kind.value if kind is not None else "about:blank"


def _default_title(type_: str, status: int) -> str:
    if type_ in _KNOWN_TYPES:
        return ProblemType(type_).phrase
    return HTTPStatus(status).phrase


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str | None = None,
    errors: Sequence[FieldError | Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """The problem+json answer; without `type_` the status's general type (ProblemType)."""
    kind = type_ or _default_type(status)
    problem = Problem(
        type=kind,
        title=title or _default_title(kind, status),
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=[FieldError.model_validate(error) for error in errors or ()],
    )
    all_headers = dict(headers or {})
    if status == 401 and not any(name.lower() == "www-authenticate" for name in all_headers):
        all_headers["WWW-Authenticate"] = BEARER_CHALLENGE
    return JSONResponse(
        problem.model_dump(mode="json"),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=all_headers,
    )


_LOCATIONS: dict[str, Location] = {
    "body": "body",
    "query": "query",
    "path": "path",
    "header": "header",
    "cookie": "cookie",
}


def _field_name(location: Sequence[int | str]) -> tuple[Location, str]:
    """("body", "lines", 0, "unit_price") -> ("body", "lines[0].unit_price")."""
    where = _LOCATIONS.get(str(location[0]) if location else "body", "body")
    path = ""
    for part in location[1:]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return where, path or where


# Pydantic puts the kind of a custom validator's error before its message.
_PYDANTIC_PREFIXES = ("Value error, ", "Assertion failed, ")


def _message(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", ""))
    for prefix in _PYDANTIC_PREFIXES:
        message = message.removeprefix(prefix)
    return message


def _is_json(content_type: str | None) -> bool:
    """What FastAPI parses as JSON: application/json and application/*+json."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


#: For routes that read their body themselves (a signed webhook): the same rule.
is_json_content_type = _is_json


def _invalid_json(request: Request, error: Mapping[str, Any], document: object) -> JSONResponse:
    position = error["loc"][1] if len(error["loc"]) > 1 else 0
    text = document if isinstance(document, str) else ""
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    reason = str((error.get("ctx") or {}).get("error", "malformed"))
    where = f"at line {line}, column {column} (character {position + 1})"
    message = f"{reason} {where}"
    return problem_response(
        request,
        400,
        f"The request body is not valid JSON: {reason[:1].lower()}{reason[1:]} {where}.",
        type_=ProblemType.INVALID_JSON,
        errors=[FieldError(field="body", location="body", message=message)],
    )


async def _validation_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = exc.errors()
    if json_error := next((e for e in raw if e.get("type") == "json_invalid"), None):
        return _invalid_json(request, json_error, exc.body)
    content_type = request.headers.get("content-type")
    body_sent = any(e.get("loc", ())[:1] == ("body",) and e.get("type") != "missing" for e in raw)
    if body_sent and not _is_json(content_type):
        # FastAPI leaves a body it does not recognise as JSON unparsed: say why, not "not a dict".
        return problem_response(
            request,
            415,
            "The request body must be sent as JSON (Content-Type: application/json); "
            + (f"it was sent as {content_type}." if content_type else "it had no Content-Type."),
            errors=[
                FieldError(
                    field="Content-Type", location="header", message="must be application/json"
                )
            ],
        )
    errors = []
    for error in raw:
        where, field = _field_name(error.get("loc", ()))
        errors.append(FieldError(field=field, location=where, message=_message(error)))
    detail = "; ".join(f"Invalid field '{e.field}': {e.message}" for e in errors)
    return problem_response(request, 422, detail, type_=ProblemType.VALIDATION, errors=errors)


async def _http_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem_response(
        request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None)
    )


async def _service_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(
        request,
        exc.status,
        exc.detail,
        title=exc.title,
        type_=exc.type,
        errors=exc.errors,
        headers=exc.headers,
    )


def database_unavailable(request: Request, error: BaseException) -> JSONResponse:
    """The 503 for a transient database fault (outage, overload, lock or statement timeout):
    nobody's fault, the transaction was rolled back, and the same request can succeed."""
    log.warning(
        "database unavailable or busy on %s %s (%s)",
        request.method,
        request.url.path,
        describe(error),
    )
    return problem_response(request, 503, DATABASE_UNAVAILABLE, headers=RETRY_AFTER_HEADERS)


async def _unexpected_problem(request: Request, exc: Exception) -> JSONResponse:
    if is_transient(exc):
        return database_unavailable(request, exc)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, "The server failed to handle the request.")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_exception_handler(StarletteHTTPException, _http_problem)
    app.add_exception_handler(ProblemError, _service_problem)
    # Database errors are answered here, in Starlette's ExceptionMiddleware, so a transient one
    # (lock or statement timeout, outage) is a clean 503 that is not re-raised to the server as
    # a crash; the catch-all below still turns anything else into a logged 500.
    app.add_exception_handler(SQLAlchemyError, _unexpected_problem)
    # The same for statements asyncpg runs itself (db/driver.py, the credit check's hot path).
    app.add_exception_handler(asyncpg.PostgresError, _unexpected_problem)
    app.add_exception_handler(asyncpg.InterfaceError, _unexpected_problem)
    app.add_exception_handler(OSError, _unexpected_problem)
    app.add_exception_handler(Exception, _unexpected_problem)
