from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, Index, String, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from credit_policy.base import Base


class CreditHistoryEntry(Base):
    """One change of a customer's credit standing: who, when, what, before, after, why."""

    __tablename__ = "credit_history"

    #: Increasing in the order of writing: the history pages newest first by it.
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE")
    )
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: The API key's name, or the process that decided ("assessment", "risk-class A").
    actor: Mapped[str] = mapped_column(String(200))
    #: "api", "assessment", "risk_class", "review"...
    source: Mapped[str] = mapped_column(String(32))
    #: "risk_class", "credit_limit", "term_override", "credit_decision", "contract",
    #: "special_control", "risk_class_terms".
    change: Mapped[str] = mapped_column(String(32))
    #: The term of a "term_override"; None otherwise.
    term: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[Any] = mapped_column(JSONB, nullable=True)
    after: Mapped[Any] = mapped_column(JSONB, nullable=True)
    reason: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("ix_credit_history_customer_id_id", "customer_id", "id"),)
