"""RFC 9457 problem details for every 4xx and 5xx; validation errors name the field."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from receivables_shared.db.faults import is_transient, sqlstate_of

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


class ProblemError(Exception):
    """Raise from a service to answer with a problem document; nothing has been changed."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        field: str | None = None,
        type_: str = "about:blank",
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.field = field
        self.type = type_


class NotFound(ProblemError):
    def __init__(self, what: str, identifier: object) -> None:
        super().__init__(404, f"{what} {identifier} does not exist")


class InvalidField(ProblemError):
    """A wrong value (unknown reference, impossible date) in an otherwise valid body."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(422, f"Invalid field '{field}': {message}", field=field)


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    errors: Sequence[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    if errors:
        body["errors"] = list(errors)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_name(location: Sequence[int | str]) -> tuple[str, str]:
    where = str(location[0]) if location else "body"
    path = ""
    for part in location[1:]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return where, path or where


async def _validation_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for error in exc.errors():
        where, field = _field_name(error.get("loc", ()))
        errors.append({"field": field, "location": where, "message": error.get("msg", "")})
    detail = "; ".join(f"Invalid field '{e['field']}': {e['message']}" for e in errors)
    return problem_response(request, 422, detail, title="Validation failed", errors=errors)


async def _http_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem_response(
        request, exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None)
    )


async def _service_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    errors = (
        [{"field": exc.field, "location": "body", "message": exc.detail}] if exc.field else None
    )
    return problem_response(
        request, exc.status, exc.detail, title=exc.title, type_=exc.type, errors=errors
    )


async def _unexpected_problem(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, "The server failed to handle the request.")


async def _database_busy_problem(request: Request, exc: Exception) -> JSONResponse:
    """A lock or statement timeout (or another transient database fault) is a 503 to retry,
    not a 500: the transaction was rolled back, so nothing changed."""
    if not is_transient(exc):
        return await _unexpected_problem(request, exc)
    log.warning(
        "database busy on %s %s (SQLSTATE %s)",
        request.method,
        request.url.path,
        sqlstate_of(exc),
        exc_info=exc,
    )
    return problem_response(
        request,
        503,
        "The database is busy or unavailable (a lock or statement timed out); nothing was"
        " changed. Retry the request shortly.",
        headers={"Retry-After": "1"},
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_problem)
    app.add_exception_handler(StarletteHTTPException, _http_problem)
    app.add_exception_handler(ProblemError, _service_problem)
    app.add_exception_handler(DBAPIError, _database_busy_problem)
    app.add_exception_handler(Exception, _unexpected_problem)
