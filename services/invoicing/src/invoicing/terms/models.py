from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from invoicing.base import Base
from invoicing.invoices.models import PERCENT


class CustomerTerms(Base):
    """Invoicing's copy of a customer's effective terms (CustomerTermsChanged), newest only."""

    __tablename__ = "customer_terms"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    terms_version: Mapped[int] = mapped_column(Integer)
    effective_on: Mapped[date] = mapped_column(Date)
    credit_allowed: Mapped[bool] = mapped_column(Boolean)
    currency: Mapped[str] = mapped_column(String(3))
    payment_term_days: Mapped[int] = mapped_column(Integer)
    business_day_rule: Mapped[str] = mapped_column(String(30))
    early_payment_discount_percent: Mapped[Decimal] = mapped_column(PERCENT)
    early_payment_discount_days: Mapped[int] = mapped_column(Integer)
    late_interest_percent_per_month: Mapped[Decimal] = mapped_column(PERCENT)
    interest_grace_days: Mapped[int] = mapped_column(Integer)
    grace_days: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
