"""A database and a login role of their own on the test server, to break the way production
databases break (and heal again) without disturbing the other tests of the run.

Each fault is the real one: the server refuses the role (CONNECTION LIMIT 0: "too many
connections for role"), refuses the database (ALLOW_CONNECTIONS false), turns read-only as a
standby after a failover does (default_transaction_read_only), or kills the role's sessions
(an operator, a restart). Sessions already open are terminated so the fault bites at once.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from receivables_shared.db.admin import create_database
from receivables_shared.db.base import PlatformBase
from receivables_shared.db.engine import with_database
from receivables_shared.testing.service import run_database_prefix
from shared.tests.conftest import EffectBase


@dataclass
class FaultyDatabase:
    admin: AsyncEngine  # superuser, autocommit, on the server's `postgres` database
    url: str  # the role on the database: what the code under test connects with
    owner_url: str  # the superuser on the database
    database: str
    role: str

    async def refuse_role(self) -> None:
        await self._run(f'ALTER ROLE "{self.role}" CONNECTION LIMIT 0')
        await self.terminate_sessions()

    async def refuse_database(self) -> None:
        await self._run(f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS false')
        await self.terminate_sessions()

    async def make_read_only(self) -> None:
        await self._run(f'ALTER ROLE "{self.role}" SET default_transaction_read_only = on')
        await self.terminate_sessions()

    async def forbid_login(self) -> None:
        await self._run(f'ALTER ROLE "{self.role}" NOLOGIN')
        await self.terminate_sessions()

    async def revoke_privileges(self) -> None:
        await self._run_in_database(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{self.role}"')

    async def terminate_sessions(self) -> None:
        await self._run(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            f" WHERE usename = '{self.role}' AND pid <> pg_backend_pid()"
        )

    async def heal(self) -> None:
        await self._run(
            f'ALTER ROLE "{self.role}" CONNECTION LIMIT -1',
            f'ALTER DATABASE "{self.database}" ALLOW_CONNECTIONS true',
            f'ALTER ROLE "{self.role}" RESET default_transaction_read_only',
            f'ALTER ROLE "{self.role}" LOGIN',
        )
        await self._run_in_database(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{self.role}"')

    async def _run_in_database(self, statement: str) -> None:
        """As the superuser, in this database (grants are per database)."""
        owner = create_async_engine(self.owner_url, isolation_level="AUTOCOMMIT")
        try:
            async with owner.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await owner.dispose()

    async def _run(self, *statements: str) -> None:
        async with self.admin.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))


@asynccontextmanager
async def faulty_database(server_url: str) -> AsyncIterator[FaultyDatabase]:
    """A fresh database with the platform tables and the test effects, owned by a fresh role."""
    suffix = secrets.token_hex(4)
    name = role = f"{run_database_prefix()}faulty_{suffix}"
    database_url = with_database(server_url, name)
    await create_database(database_url, drop_existing=True)
    admin = create_async_engine(with_database(server_url, "postgres"), isolation_level="AUTOCOMMIT")
    owner = create_async_engine(database_url)
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        async with owner.begin() as connection:
            await connection.run_sync(PlatformBase.metadata.create_all)
            await connection.run_sync(EffectBase.metadata.create_all)
            await connection.execute(text(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"'))
        await owner.dispose()
        role_url = make_url(database_url).set(username=role, password=None)
        faulty = FaultyDatabase(
            admin=admin,
            url=role_url.render_as_string(hide_password=False),
            owner_url=database_url,
            database=name,
            role=role,
        )
        yield faulty
    finally:
        await owner.dispose()
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        await admin.dispose()
