from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from credit_policy.dependencies import ApproveKeyDep, ClockDep, ReadKeyDep, SessionDep
from credit_policy.ranking import service
from credit_policy.ranking.schemas import (
    AbcThresholdsPut,
    AbcThresholdsRead,
    RankBy,
    RankedCustomer,
    Ranking,
    SpecialControlRulePut,
    SpecialControlRuleRead,
)
from receivables_shared.reference_codes import CurrencyCode

router = APIRouter(tags=["ranking"])

RuleKey = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]


@router.get("/customers/ranking", response_model=Ranking)
async def rank_customers(
    session: SessionDep,
    clock: ClockDep,
    _: ReadKeyDep,
    by: Annotated[RankBy, Query(description="exposure, revenue or potential-debt.")],
    currency: Annotated[CurrencyCode, Query(description="Rank the amounts in this currency.")],
    limit: Annotated[int, Query(ge=1, le=1000, description="The top N.")] = 100,
) -> Ranking:
    """Customers ranked by the figure, with ABC segments by cumulative share (req. 6, 7)."""
    as_of = clock.today()
    total, rows = await service.ranking(session, by, currency, as_of, limit)
    return Ranking(
        by=by,
        currency=currency,
        as_of=as_of,
        total=total,
        items=[RankedCustomer.model_validate(row) for row in rows],
    )


@router.get("/ranking/abc-thresholds", response_model=AbcThresholdsRead)
async def get_thresholds(session: SessionDep, _: ReadKeyDep) -> AbcThresholdsRead:
    values = await service.thresholds(session)
    return AbcThresholdsRead(a_percent=values["A"], b_percent=values["B"])


@router.put("/ranking/abc-thresholds", response_model=AbcThresholdsRead)
async def put_thresholds(
    data: AbcThresholdsPut, session: SessionDep, _: ApproveKeyDep
) -> AbcThresholdsRead:
    values = await service.put_thresholds(session, data)
    return AbcThresholdsRead(a_percent=values["A"], b_percent=values["B"])


@router.get("/special-control-rules", response_model=list[SpecialControlRuleRead])
async def list_rules(session: SessionDep, _: ReadKeyDep) -> list[SpecialControlRuleRead]:
    return [SpecialControlRuleRead.model_validate(rule) for rule in await service.rules(session)]


@router.get("/special-control-rules/{key}", response_model=SpecialControlRuleRead)
async def get_rule(key: RuleKey, session: SessionDep, _: ReadKeyDep) -> SpecialControlRuleRead:
    return SpecialControlRuleRead.model_validate(await service.get_rule(session, key))


@router.put(
    "/special-control-rules/{key}",
    response_model=SpecialControlRuleRead,
    responses={201: {"model": SpecialControlRuleRead, "description": "Created"}},
)
async def put_rule(
    key: RuleKey,
    data: SpecialControlRulePut,
    session: SessionDep,
    response: Response,
    _: ApproveKeyDep,
) -> SpecialControlRuleRead:
    """Create or change a rule; the daily special-control job applies it."""
    rule, created = await service.put_rule(session, key, data)
    response.status_code = 201 if created else 200
    return SpecialControlRuleRead.model_validate(rule)
