from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, DateTime, Integer, Numeric, String, func
from sqlalchemy.orm import Mapped, mapped_column

from credit_policy.base import Base

#: How a due date that falls on a weekend or public holiday is treated.
BUSINESS_DAY_RULES = ("none", "next_business_day")


class RiskClass(Base):
    """A risk class and the terms of cooperation it gives its customers (requirement 1).

    Data, not code: managed through PUT /v1/risk-classes/{key} with the approve scope."""

    __tablename__ = "risk_classes"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    #: False for a prepayment-only class: no customer of it buys on credit.
    credit_allowed: Mapped[bool] = mapped_column(Boolean)
    #: In the customer's own currency; None: no default, a limit must be set per customer.
    default_credit_limit: Mapped[Decimal | None] = mapped_column(Numeric(19, 3))
    payment_term_days: Mapped[int] = mapped_column(Integer)
    business_day_rule: Mapped[str] = mapped_column(String(32))
    prepayment_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    early_payment_discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    early_payment_discount_days: Mapped[int] = mapped_column(Integer)
    late_interest_percent_per_month: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    interest_grace_days: Mapped[int] = mapped_column(Integer)
    grace_days: Mapped[int] = mapped_column(Integer)
    dunning_policy: Mapped[str | None] = mapped_column(String(64))
    #: Counts up with every change of the class.
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        # The API checks the same ranges first (422 naming the field); these guard the data.
        CheckConstraint(
            "prepayment_percent BETWEEN 0 AND 100"
            " AND early_payment_discount_percent BETWEEN 0 AND 100"
            " AND late_interest_percent_per_month BETWEEN 0 AND 100",
            name="percents_in_range",
        ),
        CheckConstraint(
            "payment_term_days BETWEEN 0 AND 365 AND early_payment_discount_days BETWEEN 0 AND 365"
            " AND interest_grace_days BETWEEN 0 AND 365 AND grace_days BETWEEN 0 AND 365",
            name="days_in_range",
        ),
        CheckConstraint(
            "business_day_rule IN ('none', 'next_business_day')", name="business_day_rule"
        ),
        CheckConstraint(
            "default_credit_limit IS NULL OR default_credit_limit > 0", name="positive_limit"
        ),
    )
