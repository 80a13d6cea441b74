from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from credit_policy.base import Base


class Scorecard(Base):
    """One version of the scorecard: factors, weights, bands, classes and limits (data).

    Versions are never changed once an assessment used them; the newest active one scores."""

    __tablename__ = "scorecards"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    #: The whole scorecard as `assessments.scorecard.ScorecardDefinition` validates it.
    definition: Mapped[dict[str, Any]] = mapped_column(JSONB)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Assessment(Base):
    """A scored proposal for a customer's class and limit; nothing changes until a person
    accepts it (status `proposed` -> `accepted` or `overridden`)."""

    __tablename__ = "assessments"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE")
    )
    scorecard_version: Mapped[int] = mapped_column(Integer, ForeignKey("scorecards.version"))
    #: The facts as sent, plus the payment history read at the time.
    facts: Mapped[dict[str, Any]] = mapped_column(JSONB)
    score: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    proposed_class: Mapped[str] = mapped_column(String(16))
    #: In the customer's currency; None: the class's default (or no credit).
    proposed_limit: Mapped[Decimal | None] = mapped_column(Numeric(19, 3))
    currency: Mapped[str] = mapped_column(String(3))
    #: Per factor: value, points, weight, weighted points and why.
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    decided_class: Mapped[str | None] = mapped_column(String(16))
    decided_limit: Mapped[Decimal | None] = mapped_column(Numeric(19, 3))
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # GET /v1/customers/{id}/assessments pages newest first.
        Index("ix_assessments_customer_id_created_at_id", "customer_id", "created_at", "id"),
    )
