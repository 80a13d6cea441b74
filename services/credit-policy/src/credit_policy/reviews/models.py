from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from credit_policy.base import Base


class CustomerBehaviour(Base):
    """The newest payment behaviour analytics announced (CustomerBehaviourUpdated)."""

    __tablename__ = "customer_behaviour"

    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    average_days_late: Mapped[Decimal] = mapped_column(Numeric(9, 2))
    on_time_share: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    trend: Mapped[str] = mapped_column(String(16))
    broken_promises: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[date] = mapped_column(Date)


class CreditSignal(Base):
    """A fact from collections that counts in the credit review: a broken promise, an
    escalated case, a dunning step that hands the debt over. One row per source fact."""

    __tablename__ = "credit_signals"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    #: "promise_broken", "case_escalated", "dunning_hand_over".
    kind: Mapped[str] = mapped_column(String(32))
    #: The promise, case or invoice id: the same fact twice is stored once.
    source_id: Mapped[str] = mapped_column(String(100))
    occurred_on: Mapped[date] = mapped_column(Date)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)

    __table_args__ = (
        UniqueConstraint("kind", "source_id"),
        Index(
            "ix_credit_signals_kind_customer_id_occurred_on", "kind", "customer_id", "occurred_on"
        ),
    )


class CreditReview(Base):
    """A customer flagged for review, with the reason and evidence; resolved by a person."""

    __tablename__ = "credit_reviews"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    #: "overdue_beyond_grace", "promise_broken", "dunning_escalation", "worsening_trend",
    #: "clean_record".
    reason: Mapped[str] = mapped_column(String(32))
    #: True for a worsening (the credit check refers while it is open); False for a proposal.
    worsening: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), default="open")
    flagged_on: Mapped[date] = mapped_column(Date)
    #: Date of the newest evidence: a later signal of the same reason opens a new review.
    signal_on: Mapped[date] = mapped_column(Date)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    #: For "clean_record": the limit proposed (customer's currency).
    proposed_limit: Mapped[Decimal | None] = mapped_column(Numeric(19, 3))
    decision: Mapped[str | None] = mapped_column(String(16))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # One open review per customer and reason: the job inserts ON CONFLICT DO NOTHING.
        Index(
            "uq_credit_reviews_open_customer_reason",
            "customer_id",
            "reason",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
        # GET /v1/reviews pages by (created_at, id).
        Index("ix_credit_reviews_created_at_id", "created_at", "id"),
    )
