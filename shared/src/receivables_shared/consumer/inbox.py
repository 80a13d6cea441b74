"""The inbox: which events a consumer group has applied. All its SQL lives here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import Uuid, text
from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.clock import Clock
from receivables_shared.db.engine import SessionMaker
from receivables_shared.events.cloudevents import EventMeta

# One statement per batch with array parameters: its compiled form is cached, unlike a
# multi-row VALUES clause that SQLAlchemy would compile anew for every batch size.
_CLAIM = text(
    """
    INSERT INTO inbox_events (consumer_group, event_id, event_type)
    SELECT :group, claimed.event_id, claimed.event_type
    FROM unnest(CAST(:event_ids AS uuid[]), CAST(:event_types AS varchar[]))
        AS claimed(event_id, event_type)
    ON CONFLICT DO NOTHING
    RETURNING event_id
    """
).columns(event_id=Uuid)


async def claim_new(
    session: AsyncSession, group: str, metas: Sequence[EventMeta]
) -> set[uuid.UUID]:
    """Record the events as applied by `group`; returns the ids that were not recorded before."""
    result = await session.execute(
        _CLAIM,
        {
            "group": group,
            "event_ids": [meta.id for meta in metas],
            "event_types": [meta.type for meta in metas],
        },
    )
    return set(result.scalars())


# In chunks, each its own short transaction: a purge after a busy week must not hold locks (or
# run into the worker's statement_timeout) while it deletes millions of rows.
_PURGE_CHUNK = text(
    """
    DELETE FROM inbox_events WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM inbox_events WHERE processed_at < :cutoff LIMIT :chunk
    ))
    """
)


async def purge_inbox(
    sessionmaker: SessionMaker, clock: Clock, retention: timedelta, *, chunk: int = 10_000
) -> int:
    """Forget events applied longer ago than `retention`; returns how many rows went.

    Safe only while nothing older can be delivered again: see ServiceSettings'
    inbox_retention_hours rule (longer than the topic and the outbox retentions)."""
    cutoff = clock.now() - retention
    total = 0
    while True:
        async with sessionmaker() as session, session.begin():
            result = await session.execute(_PURGE_CHUNK, {"cutoff": cutoff, "chunk": chunk})
        deleted = int(getattr(result, "rowcount", 0))
        total += deleted
        if deleted < chunk:
            return total
