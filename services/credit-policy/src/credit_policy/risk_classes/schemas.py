from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from credit_policy.terms.rules import BusinessDayRule, Days, DunningPolicyKey, Percent
from credit_policy.terms.schemas import Reason
from receivables_shared.http.inputs import RequestModel
from receivables_shared.money import Amount


class RiskClassFields(BaseModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    credit_allowed: bool = Field(description="False for a prepayment-only class.")
    default_credit_limit: Amount | None = Field(
        description="In each customer's own currency (a class serves customers of several); "
        "null: no default, each customer needs a limit of its own."
    )
    payment_term_days: Days
    business_day_rule: BusinessDayRule
    prepayment_percent: Percent = Field(
        description="Share of an order to prepay; 100 for prepayment only."
    )
    early_payment_discount_percent: Percent
    early_payment_discount_days: Days
    late_interest_percent_per_month: Percent
    interest_grace_days: Days
    grace_days: Days
    dunning_policy: DunningPolicyKey | None


class RiskClassWrite(RiskClassFields, RequestModel):
    reason: Reason = Field(description="Why the class changes: kept in its customers' history.")


class RiskClassRead(RiskClassFields):
    model_config = ConfigDict(from_attributes=True)

    key: str
    default_credit_limit: Decimal | None
    version: int


class RiskClassList(BaseModel):
    items: list[RiskClassRead]
