from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from receivables_shared.db.base import PlatformBase


class InboxEvent(PlatformBase):
    """An event this consumer group has applied; written in the same transaction as the effect."""

    __tablename__ = "inbox_events"

    consumer_group: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    event_type: Mapped[str] = mapped_column(String(200))
    processed_at: Mapped[datetime] = mapped_column(
        # Indexed for housekeeping, which forgets rows older than the inbox retention.
        DateTime(timezone=True),
        server_default=func.clock_timestamp(),
        index=True,
    )
