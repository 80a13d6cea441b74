from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from credit_policy.assessments.scorecard import FlagKey, ScorecardDefinition
from credit_policy.terms.schemas import ClassKey, Reason
from receivables_shared.http.inputs import RequestModel
from receivables_shared.money import Amount, DecimalString, quantum
from receivables_shared.pagination import Page
from receivables_shared.reference_codes import CurrencyCode

Years = Annotated[Decimal, Field(ge=0, le=500)]


class TradeReference(RequestModel):
    """What another supplier reports about the customer."""

    supplier: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    years_together: Annotated[DecimalString, Field(ge=0, le=200)]
    overdue_amount: Amount = Field(
        ge=0, description="Overdue amount the supplier reports, in the customer's currency."
    )


class Financials(RequestModel):
    currency: CurrencyCode = Field(description="The customer's own currency.")
    revenue: Amount | None = Field(default=None, ge=0, description="Yearly revenue.")
    equity: Amount | None = None
    business_age_years: Annotated[DecimalString, Field(ge=0, le=500)] | None = None


class AssessmentCreate(RequestModel):
    """The facts of requirement 2; payment history comes from analytics by itself."""

    references: list[TradeReference] = Field(default_factory=list, max_length=50)
    financials: Financials | None = None
    warning_flags: list[FlagKey] = Field(
        default_factory=list,
        max_length=50,
        description="Warning signs the scorecard knows, e.g. insolvency_proceedings, tax_debt.",
    )


class AssessmentAccept(RequestModel):
    """Accept the proposal, or override its class and/or limit (with the reason)."""

    reason: Reason
    risk_class: ClassKey | None = Field(default=None, description="Overrides the proposed class.")
    credit_limit: Amount | None = Field(
        default=None, description="Overrides the proposed limit (customer's currency)."
    )


class FactorReason(BaseModel):
    factor: str
    value: str | None
    points: int
    weight: str
    weighted_points: str
    why: str


class ProposedTerms(BaseModel):
    """The proposed class's terms (the customer's overrides still apply after acceptance)."""

    credit_allowed: bool
    payment_term_days: int
    prepayment_percent: Decimal
    grace_days: int
    late_interest_percent_per_month: Decimal
    early_payment_discount_percent: Decimal
    early_payment_discount_days: int
    dunning_policy: str | None


class AssessmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    scorecard_version: int
    score: Decimal
    proposed_class: str
    proposed_limit: Decimal | None
    currency: str
    proposed_terms: ProposedTerms | None = None
    reasons: list[FactorReason]
    facts: dict[str, Any]
    status: str = Field(description="`proposed`, `accepted` or `overridden`.")
    decided_class: str | None
    decided_limit: Decimal | None
    decision_reason: str | None
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime

    @model_validator(mode="after")
    def _in_minor_units(self) -> AssessmentRead:
        # Stored with three decimals; shown as the currency writes amounts (EUR 2, JPY 0).
        for name in ("proposed_limit", "decided_limit"):
            if (value := getattr(self, name)) is not None:
                setattr(self, name, value.quantize(quantum(self.currency)))
        return self


class AssessmentPage(Page[AssessmentRead]):
    """A customer's assessments, newest first."""


class ScorecardPut(RequestModel):
    definition: ScorecardDefinition
    description: str | None = Field(default=None, max_length=1000)
    active: bool = True


class ScorecardRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    definition: dict[str, Any]
    active: bool
    description: str | None
    created_by: str
    created_at: datetime
