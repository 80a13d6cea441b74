from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, ForeignKey, String, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import Date

from invoicing.base import Base
from invoicing.invoices.models import MONEY


class CreditNote(Base):
    """A credit note against one invoice: full, by amount, or by lines."""

    __tablename__ = "credit_notes"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    #: Its own gap-free series, "CN-2026-000001".
    number: Mapped[str] = mapped_column(String(40), unique=True)
    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    net: Mapped[Decimal] = mapped_column(MONEY)
    tax: Mapped[Decimal] = mapped_column(MONEY)
    #: Gross amount credited (positive); the movement posts it negative.
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(String(500))
    business_date: Mapped[date] = mapped_column(Date)
    #: For a credit by lines: [{"line_index", "quantity", "net", "tax", "gross"}] as strings.
    lines: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
