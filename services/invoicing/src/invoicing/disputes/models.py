from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from invoicing.base import Base
from invoicing.invoices.models import MONEY


class InvoiceDispute(Base):
    """A dispute collections opened on an invoice: it stays `disputed` while any is open."""

    __tablename__ = "invoice_disputes"

    #: Collections' dispute id: DisputeOpened and DisputeResolved name it.
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(String(100))
    opened_on: Mapped[date] = mapped_column(Date)
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolved_on: Mapped[date | None] = mapped_column(Date)
