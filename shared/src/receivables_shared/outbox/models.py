from __future__ import annotations

import uuid
import zlib
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, SmallInteger, String, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from receivables_shared.db.base import PlatformBase

#: Keys are spread over this many lanes; relays lock lanes, not the whole outbox.
LANES = 16


def ready_to_publish(row: str) -> str:
    """SQL: the outbox row aliased `row` may go out now. Neither published nor parked, and not
    held: a parked row of its key (customer) waits for an operator, and the key's later rows wait
    behind it so that customer's order is kept. One rule for the relay and the dev stack's drain."""
    return (
        f"{row}.published_at IS NULL AND {row}.parked_at IS NULL AND NOT EXISTS ("
        f"SELECT 1 FROM outbox_events held_by WHERE held_by.partition_key = {row}.partition_key"
        " AND held_by.published_at IS NULL AND held_by.parked_at IS NOT NULL)"
    )


def lane_of(partition_key: str) -> int:
    return zlib.crc32(partition_key.encode()) % LANES


class OutboxEvent(PlatformBase):
    """An event written in the same transaction as the state change it describes."""

    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    event_type: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(200))
    partition_key: Mapped[str] = mapped_column(String(200))
    #: lane_of(partition_key): one relay at a time publishes a lane, so a key's events keep order.
    lane: Mapped[int] = mapped_column(SmallInteger)
    source: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    correlation_id: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, object]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp()
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Set when the broker refused the row for good (too large, invalid topic): the relay skips
    #: it, and holds the later rows of its partition key behind it, until an operator re-queues
    #: it (parked_at = NULL) or gives it up (DELETE). See docs/reliability-outbox.md.
    parked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: Why the broker refused it: exception type and message.
    publish_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        # The relay only ever scans rows waiting to be published; keep that index tiny.
        Index(
            "ix_outbox_events_unpublished",
            "lane",
            "id",
            postgresql_where=published_at.is_(None) & parked_at.is_(None),
        ),
        # Parked rows are rare: one probe per claimed row tells whether its key is held.
        Index(
            "ix_outbox_events_parked",
            "partition_key",
            postgresql_where=published_at.is_(None) & parked_at.is_not(None),
        ),
    )
