"""A Core statement compiled once and run by asyncpg itself on the session's connection.

For the few statements on a hot path (the credit check): SQLAlchemy's execution layer (execution
context, cursor adapter, result object) costs more CPU than asyncpg's own round trip, about
0.15 ms a statement here (docs/benchmarks.md, bench/credit_check). The statement is still written
with SQLAlchemy in the repository and runs in the session's transaction on the same connection;
only the execution is asyncpg's.

What SQLAlchemy would have done and this must not lose:
- a transaction: the driver runs the statement in whatever the session's connection is in (a
  transaction SQLAlchemy began, or autocommit after `without_transaction`); it begins none;
- errors: asyncpg's own exceptions propagate (they carry the SQLSTATE `db.faults` classifies; the
  API answers a transient one with a 503 like SQLAlchemy's, http/problems.py); a connection the
  error closed is invalidated, so the pool does not hand it out again;
- bind processing: values go to asyncpg as they are (UUID, datetime, Decimal, str, lists), which
  is what the asyncpg dialect passes too for the column types used here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import asyncpg
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import Compiled

from receivables_shared.db.faults import sqlstate_of

_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


class DriverStatement:
    def __init__(self, statement: Executable) -> None:
        compiled: Compiled = statement.compile(dialect=_DIALECT)  # type: ignore[attr-defined]
        self.sql = str(compiled)
        #: Values bound in the statement itself (literals turned into parameters).
        self._fixed = {
            name: bind.effective_value
            for name, bind in compiled.binds.items()  # type: ignore[attr-defined]
            if not bind.required
        }
        self._order: tuple[str, ...] = tuple(compiled.positiontup or ())  # type: ignore[attr-defined]

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        params = {**self._fixed, **values}
        return [params[name] for name in self._order]

    async def fetchrow(self, session: AsyncSession, values: Mapping[str, Any]) -> Any:
        """The first row (an asyncpg Record: by column name), or None."""
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        driver: asyncpg.Connection = raw.driver_connection
        try:
            return await driver.fetchrow(self.sql, *self.arguments(values))
        except Exception as error:  # asyncpg's classes, and OSError for a dropped socket
            # Closed, or read-only after a failover (db.faults.drop_read_only_connections).
            if driver.is_closed() or sqlstate_of(error) == "25006":
                await connection.invalidate(error)
            raise

    async def execute(self, session: AsyncSession, values: Mapping[str, Any]) -> None:
        """Run it for its effect (an INSERT)."""
        await self.fetchrow(session, values)
