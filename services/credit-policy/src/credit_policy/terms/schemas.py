from __future__ import annotations

from pydantic import Field

from credit_policy.terms.rules import BusinessDayRule, Days, DunningPolicyKey, Percent
from receivables_shared.http.inputs import RequestModel


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
