"""The scorecard's shape, and scoring a customer's facts with it.

A scorecard is data (table `scorecards`, one row per version): factors with a weight and
bands that turn a fact into points, warning flags with their points, score bands that give
the class, and per class the limit as a share of revenue or equity (the smaller, capped).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from receivables_shared.money import DecimalString, quantum

#: The facts a factor can read; docs/assessments.md explains each.
FACTOR_KEYS = (
    "average_days_late",
    "on_time_share",
    "broken_promises",
    "years_together",
    "overdue_reported",
    "revenue",
    "equity",
    "business_age_years",
)
FactorKey = Literal[
    "average_days_late",
    "on_time_share",
    "broken_promises",
    "years_together",
    "overdue_reported",
    "revenue",
    "equity",
    "business_age_years",
]
FlagKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
ClassKey = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9_]{1,16}$")]
Points = Annotated[int, Field(ge=-1000, le=1000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Strict):
    """Points for a value up to `up_to` (inclusive); null: any larger value."""

    up_to: DecimalString | None = None
    points: Points


class Factor(_Strict):
    key: FactorKey
    weight: DecimalString = Field(ge=0, le=100)
    #: Ascending by `up_to`; the last band has `up_to` null.
    bands: list[Band] = Field(min_length=1, max_length=20)
    #: Points when the fact is unknown (no history, no reference, figure not given).
    missing_points: Points = 0

    @model_validator(mode="after")
    def _ascending(self) -> Factor:
        limits = [band.up_to for band in self.bands]
        if limits[-1] is not None or any(limit is None for limit in limits[:-1]):
            raise ValueError("only the last band is open-ended (up_to null)")
        bounded = [limit for limit in limits if limit is not None]
        if bounded != sorted(set(bounded)):
            raise ValueError("bands must ascend by up_to")
        return self


class ClassBand(_Strict):
    min_score: DecimalString
    risk_class: ClassKey


class ClassLimit(_Strict):
    """The limit of a class: the smaller of the shares (of those given), at most the cap."""

    revenue_percent: DecimalString | None = Field(default=None, ge=0, le=100)
    equity_percent: DecimalString | None = Field(default=None, ge=0, le=100)
    #: Currency -> cap in that currency; a currency not named is not capped.
    caps: dict[Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")], DecimalString] = Field(
        default_factory=dict
    )


class StartUpRule(_Strict):
    """No track record (younger than this, no references, no payment history): this class."""

    max_age_years: DecimalString = Field(ge=0)
    risk_class: ClassKey


class ScorecardDefinition(_Strict):
    factors: list[Factor] = Field(min_length=1, max_length=len(FACTOR_KEYS))
    #: Flag -> points added when the flag is reported (usually negative).
    warning_flags: dict[FlagKey, Points] = Field(default_factory=dict, max_length=50)
    #: Highest `min_score` first is not required: the best band the score reaches wins.
    classes: list[ClassBand] = Field(min_length=1, max_length=20)
    #: The class when the score reaches no band (e.g. PREPAY).
    fallback_class: ClassKey
    limits: dict[ClassKey, ClassLimit] = Field(default_factory=dict)
    start_up: StartUpRule | None = None

    @model_validator(mode="after")
    def _distinct_factors(self) -> ScorecardDefinition:
        keys = [factor.key for factor in self.factors]
        if len(keys) != len(set(keys)):
            raise ValueError("each factor appears once")
        return self

    def risk_classes(self) -> set[str]:
        return (
            {band.risk_class for band in self.classes}
            | {self.fallback_class}
            | ({self.start_up.risk_class} if self.start_up else set())
        )


@dataclass(frozen=True)
class Facts:
    """What the scorecard reads; None: not known."""

    values: dict[str, Decimal | None]
    warning_flags: frozenset[str]
    has_track_record: bool


@dataclass(frozen=True)
class Score:
    score: Decimal
    risk_class: str
    #: In the currency; None: no figures to base it on (the class's default applies).
    limit: Decimal | None
    reasons: list[dict[str, Any]] = field(default_factory=list)
    start_up: bool = False


def _points(factor: Factor, value: Decimal | None) -> tuple[int, str]:
    if value is None:
        return factor.missing_points, "not known"
    for band in factor.bands:
        if band.up_to is None or value <= band.up_to:
            where = "above the last bound" if band.up_to is None else f"up to {band.up_to}"
            return band.points, f"{value} is {where}"
    raise AssertionError("the last band is open-ended")  # pragma: no cover


def _limit(
    definition: ScorecardDefinition, risk_class: str, facts: Facts, currency: str
) -> Decimal | None:
    rule = definition.limits.get(risk_class)
    if rule is None:
        return None
    shares: list[Decimal] = []
    for name, percent in (("revenue", rule.revenue_percent), ("equity", rule.equity_percent)):
        figure = facts.values.get(name)
        if percent is not None and figure is not None:
            shares.append(figure * percent / 100)
    if not shares:
        return None
    limit = min(shares)
    if (cap := rule.caps.get(currency)) is not None:
        limit = min(limit, cap)
    limit = limit.quantize(quantum(currency), rounding=ROUND_DOWN)
    return limit if limit > 0 else None


def score(definition: ScorecardDefinition, facts: Facts, currency: str) -> Score:
    """Weighted points per factor, plus flags; the class the total reaches; the limit."""
    reasons: list[dict[str, Any]] = []
    total = Decimal(0)
    for factor in definition.factors:
        value = facts.values.get(factor.key)
        points, why = _points(factor, value)
        weighted = (factor.weight * points).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        total += weighted
        reasons.append(
            {
                "factor": factor.key,
                "value": None if value is None else str(value),
                "points": points,
                "weight": str(factor.weight),
                "weighted_points": str(weighted),
                "why": why,
            }
        )
    for flag in sorted(facts.warning_flags):
        points = definition.warning_flags[flag]
        total += points
        reasons.append(
            {
                "factor": f"flag:{flag}",
                "value": "true",
                "points": points,
                "weight": "1",
                "weighted_points": str(Decimal(points).quantize(Decimal("0.01"))),
                "why": "warning flag reported",
            }
        )
    reached = [band for band in definition.classes if total >= band.min_score]
    risk_class = (
        max(reached, key=lambda band: band.min_score).risk_class
        if reached
        else definition.fallback_class
    )
    start_up = False
    rule = definition.start_up
    age = facts.values.get("business_age_years")
    if (
        rule is not None
        and not facts.has_track_record
        and (age is None or age < rule.max_age_years)
    ):
        start_up = True
        risk_class = rule.risk_class
        reasons.append(
            {
                "factor": "start_up",
                "value": None if age is None else str(age),
                "points": 0,
                "weight": "0",
                "weighted_points": "0.00",
                "why": f"younger than {rule.max_age_years} years with no references and no "
                f"payment history: class {rule.risk_class}",
            }
        )
    limit = _limit(definition, risk_class, facts, currency)
    return Score(total.quantize(Decimal("0.01")), risk_class, limit, reasons, start_up)
