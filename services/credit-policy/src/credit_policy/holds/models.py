from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, Index, Numeric, String, Text, Uuid, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from credit_policy.base import Base


class HoldReason(StrEnum):
    OVERDUE_BEYOND_GRACE = "overdue_beyond_grace"
    DUNNING_STEP = "dunning_step"
    MANUAL = "manual"


class Stop(StrEnum):
    NEW_CREDIT = "new_credit"
    SUPPORT = "support"
    DELIVERIES = "deliveries"
    #: Suspension of the service itself: needs a contract clause (requirement 9, 29).
    SERVICE = "service"


#: Automatic holds: at most one active hold per customer for each of these reasons.
AUTOMATIC_REASONS = (HoldReason.OVERDUE_BEYOND_GRACE, HoldReason.DUNNING_STEP)


class CreditHold(Base):
    __tablename__ = "credit_holds"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    reason: Mapped[str] = mapped_column(String(32))
    stops: Mapped[list[str]] = mapped_column(ARRAY(String(16)))
    placed_on: Mapped[date] = mapped_column(Date)
    #: The API key's name, or "system" for an automatic hold.
    placed_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    #: Overdue debt when an automatic hold was placed, in `debt_currency` only (never a sum
    #: across currencies): the base of the prepayment-share release rule.
    debt_at_placement: Mapped[Decimal | None] = mapped_column(Numeric(19, 3))
    #: The customer's currency when the hold was placed: the credit limit's, and the only one
    #: debt_at_placement counts (docs/credit-checks.md).
    debt_currency: Mapped[str | None] = mapped_column(String(3))
    released_on: Mapped[date | None] = mapped_column(Date)
    release_reason: Mapped[str | None] = mapped_column(String(300))
    released_by: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        Index(
            "ix_credit_holds_active_customer",
            "customer_id",
            postgresql_where=text("released_on IS NULL"),
        ),
        Index(
            "uq_credit_holds_active_automatic",
            "customer_id",
            "reason",
            unique=True,
            postgresql_where=text(
                "released_on IS NULL AND reason IN ('overdue_beyond_grace', 'dunning_step')"
            ),
        ),
        Index("ix_credit_holds_customer_placed_on", "customer_id", "placed_on"),
    )
