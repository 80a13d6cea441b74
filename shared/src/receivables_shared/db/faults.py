"""Whose fault is an error? Classified by what it is (SQLSTATE, exception class), not by message.

A consumer or relay that meets a *transient* fault rewinds and tries the whole batch again later:
the database is away, refusing connections, read-only after a failover, out of resources, or the
transaction lost a deadlock or serialization race. None of that is the event's fault, so nothing
is dead-lettered. Any other error (a constraint the event violates, a value a handler rejects)
may be the event's fault, and after bounded retries it is parked in the dead-letter topic.

Checked against the errors each fault really raises through SQLAlchemy and asyncpg
(shared/tests/db/test_faults.py): a refused connection arrives as a DBAPIError without a
statement whose driver error carries the SQLSTATE (53300 for a role's connection limit, 55000 for
ALLOW_CONNECTIONS false, 57P03 while starting up or shutting down); a connection killed under a
statement arrives without a SQLSTATE but with `connection_invalidated`; an exhausted pool is
SQLAlchemy's own TimeoutError.
"""

from __future__ import annotations

import errno
import socket
import traceback
from collections.abc import Iterator

from pydantic import ValidationError
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError, DisconnectionError, StatementError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

#: SQLSTATE classes that are never the event's fault.
TRANSIENT_CLASSES = (
    "08",  # connection exception
    "28",  # invalid authorization: login revoked, password rotated before the secret was
    "53",  # insufficient resources: too many connections, disk full, out of memory
    "55",  # object not in prerequisite state: ALLOW_CONNECTIONS false, lock_timeout (55P03)
    "57",  # operator intervention: shutting down, starting up, admin shutdown, statement_timeout
    "58",  # system error (I/O)
)
#: Lost races between transactions: retry the same work at once, nobody is to blame.
CONTENTION_STATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available (lock_timeout)
    }
)
#: Single SQLSTATEs that are never the event's fault.
TRANSIENT_STATES = CONTENTION_STATES | {
    "25006",  # read_only_sql_transaction: a standby after a failover
    "3D000",  # invalid_catalog_name: the database is being recreated
    "42501",  # insufficient_privilege: a grant missing is the deployment's fault
}

#: Longest free text of an error description (a Kafka header, a log line).
MAX_DESCRIPTION = 300


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend([current.__cause__, current.__context__, getattr(current, "orig", None)])


def sqlstate_of(error: BaseException) -> str | None:
    """The SQLSTATE PostgreSQL sent with `error` or anything that caused it."""
    for current in _chain(error):
        state = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(state, str) and len(state) == 5:
            return state
    return None


def is_transient(error: BaseException) -> bool:
    """True when retrying the same work later can succeed: nobody's fault, never dead-letter."""
    state = sqlstate_of(error)
    if state is not None:
        return state in TRANSIENT_STATES or state.startswith(TRANSIENT_CLASSES)
    for current in _chain(error):
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True  # the connection died under a statement (killed, network cut)
        # Pool exhausted (checkout timeout), a dropped connection, a refused or silent socket.
        # asyncpg raises connect failures bare (ConnectionRefusedError, socket.gaierror), so
        # they are recognised by class; any other OSError (a missing file) is a bug, not an outage.
        if isinstance(current, (PoolTimeoutError, DisconnectionError, *_NETWORK_ERRORS)):
            return True
        if isinstance(current, OSError) and current.errno in _NETWORK_ERRNOS:
            return True
    return False


_NETWORK_ERRORS = (ConnectionError, TimeoutError, socket.gaierror, socket.herror)
_NETWORK_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ENETDOWN,
        errno.ETIMEDOUT,
        errno.EPIPE,
        errno.ENOTCONN,
    }
)


def drop_read_only_connections(context: ExceptionContext) -> None:
    """`handle_error` hook: a session on a read-only server (a standby, a demoted primary after a
    failover) stays read-only for its whole life, so pooled connections would keep failing after
    the new primary is up. Treat it like a lost connection: the pool is emptied and reconnects."""
    if sqlstate_of(context.original_exception) == "25006":
        context.is_disconnect = True


def is_contention(error: BaseException) -> bool:
    """A lost deadlock or serialization race: the same work succeeds when tried again at once."""
    return sqlstate_of(error) in CONTENTION_STATES


def describe(error: BaseException) -> str:
    """The error's class and a short message that carries no bound value (personal data).

    Database errors are described by their driver class, SQLSTATE and the schema names the
    server reported, never by their text: PostgreSQL and asyncpg quote the offending value
    ('invalid input syntax for type integer: "Jane Doe"'). Validation errors drop their inputs.
    """
    name = type(error).__name__
    state = sqlstate_of(error)
    if isinstance(error, StatementError) or state is not None:
        parts: list[str] = []
        driver = _driver_error(error)
        if driver is not None:
            parts.append(type(driver).__name__)
        if state is not None:
            parts.append(f"SQLSTATE {state}")
        parts.extend(_schema_names(error))
        return f"{name}: {', '.join(parts)}" if parts else name
    if isinstance(error, ValidationError):
        return f"{name}: {validation_summary(error)}"[:MAX_DESCRIPTION]
    first_line = str(error).splitlines()[0] if str(error) else ""
    return f"{name}: {first_line}"[:MAX_DESCRIPTION] if first_line else name


def safe_traceback(error: BaseException) -> str:
    """Where `error` was raised (file, line, code) and describe(error): a traceback for the logs
    without the exception texts, which may quote bound values."""
    frames = traceback.format_list(traceback.extract_tb(error.__traceback__))
    return "".join(["Traceback (most recent call last):\n", *frames, describe(error)])


def validation_summary(error: ValidationError) -> str:
    """'field: message' per problem, without the rejected input."""
    problems = error.errors(include_url=False, include_input=False, include_context=False)
    return "; ".join(
        f"{'.'.join(str(part) for part in problem['loc']) or '(body)'}: {problem['msg']}"
        for problem in problems
    )


def _driver_error(error: BaseException) -> BaseException | None:
    """What the driver raised: the deepest error of the chain that carries a SQLSTATE."""
    found: BaseException | None = None
    for current in _chain(error):
        if current is not error and getattr(current, "sqlstate", None):
            found = current
    if found is None and isinstance(error, DBAPIError):
        found = error.orig
    return found


def _schema_names(error: BaseException) -> list[str]:
    """Constraint, table and column names the server reported: identifiers, not values."""
    names: list[str] = []
    for attribute in ("constraint_name", "table_name", "column_name"):
        for current in _chain(error):
            value = getattr(current, attribute, None)
            if isinstance(value, str) and value:
                names.append(f"{attribute.removesuffix('_name')} {value}")
                break
    return names
