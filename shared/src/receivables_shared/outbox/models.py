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

    __table_args__ = (
        # The relay only ever scans unpublished rows; keep that index tiny.
        Index(
            "ix_outbox_events_unpublished",
            "lane",
            "id",
            postgresql_where=published_at.is_(None),
        ),
    )
