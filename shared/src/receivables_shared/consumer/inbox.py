"""The inbox: which events a consumer group has applied. All its SQL lives here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Uuid, text
from sqlalchemy.ext.asyncio import AsyncSession

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
