"""The terms of cooperation: their names, types and allowed ranges, defined once.

Risk classes (PUT /v1/risk-classes/{key}) and a customer's overrides (PUT .../terms) both take
these types, so a term is checked the same way wherever it is set."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from receivables_shared.money import DecimalString

MAX_DAYS = 365


class BusinessDayRule(StrEnum):
    #: The due date stays as computed.
    NONE = "none"
    #: A due date on a weekend or public holiday of the customer's country moves forward.
    NEXT_BUSINESS_DAY = "next_business_day"


Days = Annotated[int, Field(ge=0, le=MAX_DAYS, strict=True)]
Percent = Annotated[DecimalString, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
DunningPolicyKey = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
]

#: Every term a risk class sets and a customer may override, with its kind.
DAY_TERMS = (
    "payment_term_days",
    "early_payment_discount_days",
    "interest_grace_days",
    "grace_days",
)
PERCENT_TERMS = (
    "prepayment_percent",
    "early_payment_discount_percent",
    "late_interest_percent_per_month",
)
TEXT_TERMS = ("business_day_rule", "dunning_policy")
TERM_NAMES = (
    "payment_term_days",
    "business_day_rule",
    "prepayment_percent",
    "early_payment_discount_percent",
    "early_payment_discount_days",
    "late_interest_percent_per_month",
    "interest_grace_days",
    "grace_days",
    "dunning_policy",
)


class ContractClause(StrEnum):
    """What a contract may reserve; an action that relies on a clause needs it (R9, R29)."""

    LATE_INTEREST = "late_interest"
    PENALTIES = "penalties"
    SUSPEND_SERVICE = "suspend_service"
    DISABLE_EQUIPMENT_REMOTELY = "disable_equipment_remotely"


def stored_term(term: str, value: Any) -> Any:
    """A term's value as kept in JSONB: decimals as strings, so no float ever touches them."""
    if value is None:
        return None
    if term in PERCENT_TERMS:
        return str(Decimal(value))
    if term in DAY_TERMS:
        return int(value)
    return str(value)


def term_value(term: str, stored: Any) -> Any:
    """The Python value of a stored term: Decimal for percents, int for days, str for text."""
    if stored is None:
        return None
    if term in PERCENT_TERMS:
        return Decimal(str(stored))
    if term in DAY_TERMS:
        return int(stored)
    return str(stored)
