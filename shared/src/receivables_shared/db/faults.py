"""Whose fault is an error? Classified by what it is (SQLSTATE, exception class), not by message.

A consumer or relay that meets a *transient* fault rewinds and tries the whole batch again later:
the database is away, refusing connections, read-only after a failover, out of resources, or the
transaction lost a deadlock or serialization race. None of that is the event's fault, so nothing
is dead-lettered. Any other error (a constraint the event violates, a value a handler rejects)
may be the event's fault, and after bounded retries it is parked in the dead-letter topic.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

#: SQLSTATE classes that are never the event's fault.
TRANSIENT_CLASSES = (
    "08",  # connection exception
    "53",  # insufficient resources: too many connections, disk full, out of memory
    "55",  # object not in prerequisite state: ALLOW_CONNECTIONS false, lock_timeout (55P03)
    "57",  # operator intervention: shutting down, starting up, admin shutdown, statement_timeout
    "58",  # system error (I/O)
)
#: Single SQLSTATEs that are never the event's fault.
TRANSIENT_STATES = frozenset(
    {
        "25006",  # read_only_sql_transaction: a standby after a failover
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "3D000",  # invalid_catalog_name: the database is being recreated
    }
)


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
            return True
        # Pool exhausted (checkout timeout), a dropped connection, a refused socket.
        if isinstance(current, PoolTimeoutError | DisconnectionError | OSError | TimeoutError):
            return True
        if type(current).__name__ in {"InterfaceError", "ConnectionDoesNotExistError"}:
            return True  # asyncpg: the connection is closed or was lost mid-query
    return False
