"""Recording many events at once: one INSERT ... SELECT into the outbox, for set-based jobs.

`record_event` builds one Pydantic event and one ORM row per event: right for a request, too
slow for a job that touches a million rows. `record_events_in_bulk` takes a SELECT that yields
`customer_id` (the partition key, as every catalogue event is keyed) and `payload` (the event's
JSON, built in SQL with jsonb_build_object) and writes every row into the outbox in one
statement, in the caller's transaction. The payload must be what `event_type.model_dump(
mode="json")` would give: the tests of each caller validate the stored payloads against the
catalogue class (extra="forbid" catches a misspelt field).

Lanes are crc32(partition key) % LANES, as `record_event` computes them; PostgreSQL has no
crc32, so the distinct customers are read once and their lanes passed in as an array.

Event ids are time-ordered (UUIDv7): random ones would each dirty a random page of the unique
index on event_id, a full-page image in the WAL for most rows of a large batch (issue 8).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from receivables_shared.clock import Clock
from receivables_shared.db.time_ordered_ids import TIME_ORDERED_UUID
from receivables_shared.events.base import Event
from receivables_shared.logging import correlation_id
from receivables_shared.outbox.models import lane_of


async def record_events_in_bulk(
    session: AsyncSession,
    event_type: type[Event],
    rows: str,
    params: Mapping[str, Any] | None = None,
    *,
    clock: Clock,
) -> int:
    """Stage one `event_type` per row of the SELECT `rows` (columns customer_id uuid, payload
    jsonb; `params` are its bind parameters). Returns how many were staged."""
    params = dict(params or {})
    customers = (
        await session.scalars(text(f"SELECT DISTINCT customer_id FROM ({rows}) AS source"), params)
    ).all()
    if not customers:
        return 0
    keys = [str(customer) for customer in customers]
    result = await session.execute(
        text(
            "INSERT INTO outbox_events (event_id, event_type, topic, partition_key, lane, source,"
            " occurred_at, correlation_id, payload)"
            f" SELECT {TIME_ORDERED_UUID}, :_event_type, :_topic, source.customer_id::text,"
            " lanes.lane, :_source, :_occurred_at, :_correlation_id, source.payload"
            f" FROM ({rows}) AS source"
            " JOIN unnest(CAST(:_keys AS text[]), CAST(:_lanes AS smallint[]))"
            " AS lanes(partition_key, lane) ON lanes.partition_key = source.customer_id::text"
        ),
        {
            **params,
            "_event_type": event_type.event_type(),
            "_topic": event_type.topic(),
            "_source": f"/{event_type.producer}",
            "_occurred_at": clock.now(),
            "_correlation_id": correlation_id.get(),
            "_keys": keys,
            "_lanes": [lane_of(key) for key in keys],
        },
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def record_events(session: AsyncSession, events: Sequence[Event], *, clock: Clock) -> int:
    """Stage built events in the outbox in one statement, in the given order (so one
    customer's events keep it): what `record_event` does per event, for a batch of them.
    Rows go in as arrays (unnest): one SQL text whatever the batch's size, nothing per row
    in the ORM."""
    if not events:
        return 0
    keys = [event.partition_key() for event in events]
    await session.execute(
        text(
            "INSERT INTO outbox_events (event_id, event_type, topic, partition_key, lane, source,"
            " occurred_at, correlation_id, payload)"
            " SELECT gen_random_uuid(), row.event_type, row.topic, row.partition_key, row.lane,"
            " row.source, :occurred_at, :correlation_id, row.payload::jsonb"
            " FROM unnest(CAST(:event_types AS text[]), CAST(:topics AS text[]),"
            " CAST(:keys AS text[]), CAST(:lanes AS smallint[]), CAST(:sources AS text[]),"
            " CAST(:payloads AS text[])) WITH ORDINALITY"
            " AS row(event_type, topic, partition_key, lane, source, payload, position)"
            " ORDER BY row.position"
        ),
        {
            "occurred_at": clock.now(),
            "correlation_id": correlation_id.get(),
            "event_types": [event.event_type() for event in events],
            "topics": [event.topic() for event in events],
            "keys": keys,
            "lanes": [lane_of(key) for key in keys],
            "sources": [f"/{event.producer}" for event in events],
            "payloads": [event.model_dump_json() for event in events],
        },
    )
    return len(events)
