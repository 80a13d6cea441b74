from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from credit_policy.base import Base

MONEY = Numeric(19, 3)


class ReservationStatus(StrEnum):
    ACTIVE = "active"
    RELEASED = "released"
    CONSUMED = "consumed"
    EXPIRED = "expired"


class CreditReservation(Base):
    """Credit set aside for an approved order until its invoice is issued."""

    __tablename__ = "credit_reservations"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    order_reference: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default=ReservationStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: Counts in exposure only before this instant, whether or not the job marked it expired.
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index(
            "ix_credit_reservations_active_customer",
            "customer_id",
            "currency",
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "ix_credit_reservations_active_order_reference",
            "customer_id",
            "order_reference",
            postgresql_where=text("status = 'active'"),
        ),
    )


class CreditCheckTerms(Base):
    """The customer's effective terms as last announced in CustomerTermsChanged: what the
    check and the holds job need, in one row (set-based SQL joins it)."""

    __tablename__ = "credit_check_terms"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    terms_version: Mapped[int] = mapped_column(Integer)
    credit_allowed: Mapped[bool] = mapped_column(Boolean)
    risk_class: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    credit_limit: Mapped[Decimal | None] = mapped_column(MONEY)
    grace_days: Mapped[int] = mapped_column(Integer)
    prepayment_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    special_control: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
