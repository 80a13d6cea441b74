from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Index, String, UniqueConstraint, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from collection.base import Base
from receivables_shared.db.open_amount_projection import (
    MONEY,
    MovementColumns,
    OpenAmountColumns,
)


class Receivable(OpenAmountColumns, Base):
    """An issued invoice as collections sees it: what is owed, by whom, due when, open how much."""

    __tablename__ = "receivables"

    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    number: Mapped[str] = mapped_column(String(32))
    currency: Mapped[str] = mapped_column(String(3))
    #: The invoice's total as issued.
    amount_due: Mapped[Decimal] = mapped_column(MONEY)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class ReceivableMovement(MovementColumns, Base):
    """Every change of a receivable's open amount, one row per event and kind."""

    __tablename__ = "receivable_movements"
    __table_args__ = (
        UniqueConstraint("event_source", "event_id", "kind"),
        Index("ix_receivable_movements_customer_id_currency", "customer_id", "currency"),
    )
