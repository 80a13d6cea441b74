"""Writing events: the caller's unit of work commits them together with its state change."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.clock import Clock
from receivables_shared.events.base import Event
from receivables_shared.logging import correlation_id
from receivables_shared.outbox.models import OutboxEvent, lane_of


def record_event(session: AsyncSession, event: Event, *, clock: Clock) -> OutboxEvent:
    """Stage `event` in the outbox of the session's transaction. Never publishes directly."""
    row = OutboxEvent(
        event_id=uuid.uuid4(),
        event_type=event.event_type(),
        topic=event.topic(),
        partition_key=event.partition_key(),
        lane=lane_of(event.partition_key()),
        source=f"/{event.producer}",
        occurred_at=clock.now(),
        correlation_id=correlation_id.get(),
        payload=event.model_dump(mode="json"),
    )
    session.add(row)
    return row
