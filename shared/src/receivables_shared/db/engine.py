"""Async engine and session factory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from receivables_shared.db.faults import drop_read_only_connections

SessionMaker = async_sessionmaker[AsyncSession]


def with_database(server_url: str, database: str) -> str:
    """The URL of `database` on the server `server_url` names, with the asyncpg driver."""
    url = make_url(server_url).set(drivername="postgresql+asyncpg", database=database)
    return url.render_as_string(hide_password=False)


@dataclass(frozen=True)
class Timeouts:
    """PostgreSQL's per-session limits, in seconds (0 = no limit). One stalled transaction holding
    a row lock (the invoice counter) must make the others fail fast, not queue behind it."""

    statement: float
    lock: float
    idle_in_transaction: float

    def server_settings(self) -> dict[str, str]:
        return {
            "statement_timeout": f"{round(self.statement * 1000)}ms",
            "lock_timeout": f"{round(self.lock * 1000)}ms",
            "idle_in_transaction_session_timeout": f"{round(self.idle_in_transaction * 1000)}ms",
        }


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    timeouts: Timeouts | None = None,
    pre_ping: bool = True,
    max_overflow: int | None = None,
    pool_timeout: float = 30,
) -> AsyncEngine:
    """`pre_ping=False` saves a round trip per checkout (the API's pool): a connection that died
    in the pool then fails its first statement, which is transient (a 503 with Retry-After), and
    SQLAlchemy discards the pool's older connections, so the next request gets a fresh one.

    `max_overflow` (default: `pool_size` more) connections are opened beyond the pool when all
    are busy and closed again when returned. `max_overflow=0` makes a burst wait for a pooled
    connection instead (up to `pool_timeout`, then a transient error, a 503): opening one costs
    a handshake, type introspection and re-preparing statements, several times a whole check."""
    # Sent in the startup packet (asyncpg server_settings): every pooled connection has them,
    # with no extra round trip and nothing a session could forget to SET.
    connect_args = {"server_settings": timeouts.server_settings()} if timeouts else {}
    # hide_parameters: bound values (names, emails, amounts) stay out of error texts and logs.
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=pre_ping,
        connect_args=connect_args,
        hide_parameters=True,
    )
    event.listen(engine.sync_engine, "handle_error", drop_read_only_connections)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    # expire_on_commit=False: objects stay readable after the unit of work commits.
    return async_sessionmaker(engine, expire_on_commit=False)
