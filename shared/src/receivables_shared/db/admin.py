"""Server-level chores: create or recreate a database (dev launcher, tests, benchmarks)."""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url

from receivables_shared.db.engine import with_database


def _admin_dsn(url: str) -> tuple[str, str]:
    parsed = make_url(url)
    dsn = parsed.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    assert parsed.database, f"{url} names no database"
    return dsn, parsed.database


async def _connect(dsn: str) -> asyncpg.Connection:
    parsed = make_url(dsn)
    host = parsed.query.get("host")
    if host:  # unix socket, as the embedded PostgreSQL listens
        return await asyncpg.connect(
            host=str(host), user=parsed.username or "postgres", database=parsed.database
        )
    return await asyncpg.connect(dsn)


async def create_database(url: str, *, drop_existing: bool = False) -> None:
    dsn, name = _admin_dsn(url)
    connection = await _connect(dsn)
    try:
        if drop_existing:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def drop_databases_with_prefix(server_url: str, prefix: str) -> list[str]:
    """Drop every database whose name starts with `prefix` (a test or benchmark run's own)."""
    dsn, _ = _admin_dsn(with_database(server_url, "postgres"))
    connection = await _connect(dsn)
    try:
        names = [
            row["datname"]
            for row in await connection.fetch(
                "SELECT datname FROM pg_database WHERE starts_with(datname, $1)", prefix
            )
        ]
        for name in names:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return names
    finally:
        await connection.close()
