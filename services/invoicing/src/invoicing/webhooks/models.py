from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from invoicing.base import Base


class DeliveryState(StrEnum):
    RECEIVED = "received"  # stored and acknowledged; the worker has not settled it yet
    APPLIED = "applied"
    PARKED = "parked"  # valid, but cannot be applied yet; retried on a timer and on replay
    REJECTED = "rejected"  # genuine, but its payload is not a payment we can read


#: The worker's queue: deliveries still to try, in the order they are due.
DUE_STATES = "state IN ('received', 'parked')"


class WebhookDelivery(Base):
    """One genuine delivery of one source, stored once whatever the sender retries."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("source", "event_id", name="uq_webhook_deliveries_source_event_id"),
        CheckConstraint(
            "state IN ('received', 'applied', 'parked', 'rejected')", name="state_known"
        ),
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text(DUE_STATES),
        ),
        # The support list's keyset.
        Index("ix_webhook_deliveries_received_at_id", "received_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    #: webhook-id (standard), the payload's event id (stripe, quickbooks), else the body's hash.
    event_id: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    #: The raw body exactly as signed: replays map it again with the adapter of the day.
    body: Mapped[bytes] = mapped_column(LargeBinary)
    #: The mapped IncomingPayment (amounts as strings); null while it cannot be mapped.
    payment: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: When the worker should try it; null once it is applied or rejected.
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
