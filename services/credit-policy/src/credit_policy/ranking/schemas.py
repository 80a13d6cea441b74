from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from receivables_shared.http.inputs import RequestModel
from receivables_shared.money import DecimalString

Percent = Annotated[DecimalString, Field(gt=0, le=100)]


class RankBy(StrEnum):
    EXPOSURE = "exposure"
    REVENUE = "revenue"
    POTENTIAL_DEBT = "potential-debt"


class RankedCustomer(BaseModel):
    rank: int
    customer_id: uuid.UUID
    name: str
    value: Decimal = Field(description="The figure ranked by.")
    share_percent: Decimal
    cumulative_percent: Decimal
    segment: str = Field(description="ABC segment by cumulative share (thresholds as data).")
    revenue: Decimal = Field(
        description="Invoiced in the last 12 months, net of those invoices' credit notes and "
        "cancellations."
    )
    exposure: Decimal = Field(description="Open receivables now.")
    days_to_pay: Decimal | None = Field(description="Amount-weighted average days to pay.")
    potential_debt: Decimal = Field(
        description="Potential yearly debt: revenue / 12 x days to pay / 30."
    )


class Ranking(BaseModel):
    by: RankBy
    currency: str
    as_of: date
    total: Decimal = Field(description="Sum of the ranked figure over all ranked customers.")
    items: list[RankedCustomer]


class AbcThresholdsPut(RequestModel):
    """Cumulative-share thresholds: A below `a_percent`, B below `b_percent`, C the rest."""

    a_percent: Percent
    b_percent: Percent


class AbcThresholdsRead(BaseModel):
    a_percent: Decimal
    b_percent: Decimal


class RuleKind(StrEnum):
    REGULAR_NON_PAYER = "regular_non_payer"
    TOP_POTENTIAL_DEBT = "top_potential_debt"


class SpecialControlRulePut(RequestModel):
    kind: RuleKind
    active: bool = True
    min_invoices: int | None = Field(default=None, ge=1, le=1000)
    months: int | None = Field(default=None, ge=1, le=120)
    top_n: int | None = Field(default=None, ge=1, le=100_000)
    top_percent: Percent | None = None
    description: Annotated[str, StringConstraints(max_length=1000)] | None = None


class SpecialControlRuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    kind: RuleKind
    active: bool
    min_invoices: int | None
    months: int | None
    top_n: int | None
    top_percent: Decimal | None
    description: str | None
