from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from credit_policy.terms.schemas import ClassKey, Reason
from receivables_shared.http.inputs import RequestModel
from receivables_shared.money import Amount
from receivables_shared.pagination import Page


class ReviewReason(StrEnum):
    OVERDUE_BEYOND_GRACE = "overdue_beyond_grace"
    PROMISE_BROKEN = "promise_broken"
    DUNNING_ESCALATION = "dunning_escalation"
    WORSENING_TREND = "worsening_trend"
    CLEAN_RECORD = "clean_record"


class ReviewStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class ReviewDecision(StrEnum):
    #: Nothing changes; the review is closed with the reason.
    KEEP = "keep"
    #: New class and/or limit (for a clean record without either: the proposed limit).
    CHANGE = "change"
    #: No more deferred payment: class and limit stay, the credit decision is withdrawn.
    STOP_CREDIT = "stop_credit"


class ReviewResolve(RequestModel):
    decision: ReviewDecision
    reason: Reason
    risk_class: ClassKey | None = None
    credit_limit: Amount | None = Field(default=None, description="In the customer's currency.")


class ReviewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    reason: ReviewReason
    worsening: bool = Field(description="True: credit checks refer the customer while open.")
    status: ReviewStatus
    flagged_on: date
    signal_on: date = Field(description="Date of the newest evidence the review covers.")
    evidence: dict[str, Any]
    proposed_limit: Decimal | None
    decision: ReviewDecision | None
    decision_reason: str | None
    decided_by: str | None
    resolved_at: datetime | None
    created_at: datetime


class ReviewPage(Page[ReviewRead]):
    """Reviews in the order they were flagged."""
