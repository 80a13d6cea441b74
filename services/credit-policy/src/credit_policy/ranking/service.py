"""ABC analysis and rankings (requirements 6, 7), and the special-control rules."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.ranking.models import SpecialControlRule
from credit_policy.ranking.repository import RankingRepository
from credit_policy.ranking.schemas import (
    AbcThresholdsPut,
    RankBy,
    RuleKind,
    SpecialControlRulePut,
)
from receivables_shared.http.problems import InvalidField, NotFound


def year_before(as_of: date) -> date:
    """The start (exclusive) of the 12 months that end on `as_of`."""
    try:
        return as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - 1, day=28)


async def ranking(
    session: AsyncSession, by: RankBy, currency: str, as_of: date, limit: int
) -> tuple[Decimal, list[dict[str, Any]]]:
    rows = await RankingRepository(session).ranking(
        str(by), currency, as_of, year_before(as_of), limit
    )
    total = rows[0]["total"] if rows else Decimal(0)
    return total, rows


async def thresholds(session: AsyncSession) -> dict[str, Decimal]:
    return {t.segment: t.cumulative_percent for t in await RankingRepository(session).thresholds()}


async def put_thresholds(session: AsyncSession, data: AbcThresholdsPut) -> dict[str, Decimal]:
    if data.b_percent <= data.a_percent:
        raise InvalidField("b_percent", "must be above a_percent")
    values = {"A": data.a_percent, "B": data.b_percent}
    await RankingRepository(session).replace_thresholds(values)
    return values


async def rules(session: AsyncSession) -> list[SpecialControlRule]:
    return await RankingRepository(session).rules()


def _check_rule(data: SpecialControlRulePut) -> None:
    if data.kind is RuleKind.REGULAR_NON_PAYER:
        for field in ("min_invoices", "months"):
            if getattr(data, field) is None:
                raise InvalidField(field, "a regular_non_payer rule needs it")
    elif data.top_n is None and data.top_percent is None:
        raise InvalidField("top_n", "a top_potential_debt rule needs top_n and/or top_percent")


async def put_rule(
    session: AsyncSession, key: str, data: SpecialControlRulePut
) -> tuple[SpecialControlRule, bool]:
    _check_rule(data)
    repository = RankingRepository(session)
    values = data.model_dump()
    values["kind"] = str(data.kind)
    rule = await repository.rule(key)
    if rule is None:
        rule = SpecialControlRule(key=key, **values)
        await repository.add_rule(rule)
        return rule, True
    for name, value in values.items():
        setattr(rule, name, value)
    await session.flush()
    return rule, False


async def get_rule(session: AsyncSession, key: str) -> SpecialControlRule:
    rule = await RankingRepository(session).rule(key)
    if rule is None:
        raise NotFound("Special control rule", key)
    return rule
