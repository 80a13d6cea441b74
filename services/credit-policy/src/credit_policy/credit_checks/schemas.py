from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from receivables_shared.http.inputs import RequestModel
from receivables_shared.money import Amount, CurrencyCode

OrderReference = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]


class Decision(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    REFERRED = "referred"
    PREPAYMENT_REQUIRED = "prepayment_required"


class Reason(StrEnum):
    """Why a check was not simply approved (docs/credit-checks.md)."""

    UNKNOWN_CUSTOMER = "unknown_customer"
    OVER_LIMIT = "over_limit"
    ON_HOLD = "on_hold"
    OVERDUE_BEYOND_GRACE = "overdue_beyond_grace"
    PREPAYMENT_ONLY_CLASS = "prepayment_only_class"
    TERMS_NOT_AGREED = "terms_not_agreed"
    REVIEW_PENDING = "review_pending"
    SPECIAL_CONTROL_LARGE_ORDER = "special_control_large_order"


class CreditCheckRequest(RequestModel):
    customer_id: uuid.UUID
    amount: Annotated[Amount, Field(gt=0, description="The order's gross amount.")]
    currency: CurrencyCode
    order_reference: OrderReference = Field(
        description="The order system's id of the order; the invoice issued for it with the "
        "same order reference consumes the reservation."
    )
    reserve: bool = Field(
        default=False, description="Reserve the amount when approved (atomically)."
    )


class CreditCheckResult(BaseModel):
    decision: Decision
    currency: str
    #: None when the customer has no credit limit (no terms yet).
    limit: Decimal | None
    #: Open receivables + active reservations, before this order.
    exposure: Decimal
    #: limit - exposure (may be negative); None without a limit.
    available: Decimal | None
    reasons: list[Reason]
    reservation_id: uuid.UUID | None = None
    #: With prepayment_required: what the customer pays before the order goes ahead.
    prepayment_amount: Decimal | None = None


class ReservationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    currency: str
    amount: Decimal
    order_reference: str
    status: str
    created_at: datetime
    expires_at: datetime
    ended_at: datetime | None
