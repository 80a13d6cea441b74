from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
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
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from credit_policy.base import Base


class CustomerCredit(Base):
    """A customer's credit standing: class, limit, term overrides, the decision, the contract.

    One row per customer, created with it. Reservations of one customer serialise on this row
    (`lock_customer_credit`), so it is also the customer's credit lock."""

    __tablename__ = "customer_credit"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    #: None until a class is given: such a customer gets no credit.
    risk_class_key: Mapped[str | None] = mapped_column(String(16), ForeignKey("risk_classes.key"))
    #: In the customer's currency; None: the class's default.
    credit_limit: Mapped[Decimal | None] = mapped_column(Numeric(19, 3))
    #: Term name -> value, each a deliberate decision (its reason is in the history).
    overrides: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    #: The recorded decision to grant deferred payment at all (requirements 5, 8).
    credit_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_facts: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    special_control: Mapped[bool] = mapped_column(Boolean, default=False)
    special_control_reason: Mapped[str | None] = mapped_column(Text)
    #: Counts up with every CustomerTermsChanged of the customer.
    terms_version: Mapped[int] = mapped_column(Integer, default=0)
    contract_signed_on: Mapped[date | None] = mapped_column(Date)
    #: The version of the terms the customer confirmed by signing (requirement 9).
    contract_terms_version: Mapped[int | None] = mapped_column(Integer)
    contract_clauses: Mapped[list[str]] = mapped_column(ARRAY(String(64)), default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    __table_args__ = (
        # GET /v1/customers?risk_class= joins here by class.
        Index("ix_customer_credit_risk_class_key_customer_id", "risk_class_key", "customer_id"),
    )
