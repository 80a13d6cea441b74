from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, Index, String, UniqueConstraint, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from analytics.base import Base
from receivables_shared.db.open_amount_projection import (
    MONEY,
    MovementColumns,
    OpenAmountColumns,
)


class InvoiceFact(OpenAmountColumns, Base):
    """One issued invoice, the grain of every receivables figure (aging reads its open amount)."""

    __tablename__ = "invoice_facts"

    invoice_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    #: The invoice's total as issued.
    amount: Mapped[Decimal] = mapped_column(MONEY)
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class InvoiceMovement(MovementColumns, Base):
    """Every change of an invoice's open amount with its business date: the facts DSO, CEI and
    the bad-debt ratio are computed from."""

    __tablename__ = "invoice_movements"
    __table_args__ = (
        UniqueConstraint("event_source", "event_id", "kind"),
        Index("ix_invoice_movements_customer_id_currency", "customer_id", "currency"),
    )
