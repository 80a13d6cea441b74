from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from credit_policy.terms.rules import (
    BusinessDayRule,
    ContractClause,
    Days,
    DunningPolicyKey,
    Percent,
)
from receivables_shared.http.inputs import BusinessDate, RequestModel
from receivables_shared.money import Amount
from receivables_shared.reference_codes import CurrencyCode

#: Why a change was made: kept in the history.
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
#: A risk class key: "A", "B", "PREPAY".
ClassKey = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9_]{1,16}$")]


class TermOverrides(RequestModel):
    """A customer's own value of some terms; a term sent as null goes back to the class's."""

    payment_term_days: Days | None = None
    business_day_rule: BusinessDayRule | None = None
    prepayment_percent: Percent | None = None
    early_payment_discount_percent: Percent | None = None
    early_payment_discount_days: Days | None = None
    late_interest_percent_per_month: Percent | None = None
    interest_grace_days: Days | None = None
    grace_days: Days | None = Field(
        default=None,
        description="Days overdue tolerated before holds and escalation: a deliberate decision "
        "per customer (requirement 8); the reason goes into the history.",
    )
    dunning_policy: DunningPolicyKey | None = None


class RiskClassChange(RequestModel):
    risk_class: ClassKey
    reason: Reason


class TermsChange(RequestModel):
    overrides: TermOverrides = Field(
        description="Only the terms sent change; a term sent as null returns to the class's value."
    )
    reason: Reason


class CreditLimitChange(RequestModel):
    amount: Amount = Field(description="Greater than zero, within the currency's minor units.")
    currency: CurrencyCode = Field(description="The customer's own currency.")
    reason: Reason


class CreditDecisionChange(RequestModel):
    credit_allowed: bool = Field(description="Whether the customer may buy on deferred payment.")
    reason: Reason
    facts: dict[str, Any] = Field(
        default_factory=dict,
        description="What the decision rests on (solvency figures, references, assessment id);"
        " required when credit is granted.",
    )


class ContractChange(RequestModel):
    signed_on: BusinessDate
    terms_version: int = Field(ge=1, description="The version of the terms the customer confirmed.")
    clauses: list[ContractClause] = Field(default_factory=list, max_length=len(ContractClause))
    reason: Reason | None = None


class DecisionRead(BaseModel):
    credit_allowed: bool
    reason: str | None
    decided_at: datetime | None
    facts: dict[str, Any]


class ContractRead(BaseModel):
    signed_on: date
    terms_version: int | None
    clauses: list[str]


class TermsRead(BaseModel):
    """The effective terms, where each comes from, the decision and the contract."""

    customer_id: uuid.UUID
    terms_version: int
    currency: str
    risk_class: str | None
    credit_allowed: bool = Field(
        description="True only with a granted decision, a class that allows credit and a contract."
    )
    credit_limit: Decimal | None
    payment_term_days: int
    business_day_rule: str
    prepayment_percent: Decimal
    early_payment_discount_percent: Decimal
    early_payment_discount_days: int
    late_interest_percent_per_month: Decimal
    interest_grace_days: int
    grace_days: int
    dunning_policy: str | None
    special_control: bool
    special_control_reason: str | None
    sources: dict[str, str] = Field(
        description="Per term: `override`, `risk_class` or `default` (no class yet); for "
        "`credit_limit`: `customer`, `risk_class` or `none`."
    )
    decision: DecisionRead
    contract: ContractRead | None
