"""Each role's engine carries its timeouts on every connection, as PostgreSQL server settings."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from receivables_shared.db.engine import create_engine
from receivables_shared.settings import ServiceSettings

SETTINGS = ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")


async def shown(engine: AsyncEngine) -> list[str]:
    try:
        async with engine.connect() as connection:
            return [
                str((await connection.execute(text(f"SHOW {name}"))).scalar_one())
                for name in SETTINGS
            ]
    finally:
        await engine.dispose()


async def test_workers_get_the_longer_timeouts(platform_engine: AsyncEngine) -> None:
    url = platform_engine.url.render_as_string(hide_password=False)
    settings = ServiceSettings()

    worker = await shown(create_engine(url, pool_size=1, timeouts=settings.worker_timeouts()))
    api = await shown(create_engine(url, pool_size=1, timeouts=settings.api_timeouts()))

    assert worker == ["1min", "10s", "1min"]
    assert api == ["5s", "2s", "10s"]
