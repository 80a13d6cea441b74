"""Forgetting old idempotency keys: a client retries within minutes, not days."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from receivables_shared.clock import Clock
from receivables_shared.db.engine import SessionMaker
from receivables_shared.idempotency.models import IdempotencyRecord


async def purge_idempotency_keys(
    sessionmaker: SessionMaker, clock: Clock, retention: timedelta
) -> None:
    async with sessionmaker() as session, session.begin():
        await session.execute(
            delete(IdempotencyRecord).where(IdempotencyRecord.created_at < clock.now() - retention)
        )
