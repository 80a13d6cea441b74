"""Scoring a customer and turning an accepted proposal into its credit decision."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.assessments.models import Assessment, Scorecard
from credit_policy.assessments.repository import AssessmentRepository
from credit_policy.assessments.schemas import AssessmentAccept, AssessmentCreate, ScorecardPut
from credit_policy.assessments.scorecard import Facts, ScorecardDefinition, score
from credit_policy.customers.models import Customer
from credit_policy.reviews.models import CustomerBehaviour
from credit_policy.risk_classes.models import RiskClass
from credit_policy.terms.effective import EffectiveTerms, apply_credit_decision
from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField, NotFound, ProblemError, ProblemType
from receivables_shared.money import fits_minor_units, minor_units
from receivables_shared.pagination import PageRequest

PROPOSED, ACCEPTED, OVERRIDDEN = "proposed", "accepted", "overridden"


@dataclass(frozen=True)
class AssessmentView:
    assessment: Assessment
    risk_class: RiskClass | None


def _money(field: str, amount: Decimal | None, currency: str) -> None:
    if amount is not None and not fits_minor_units(amount, currency):
        raise InvalidField(
            field, f"{currency} amounts have at most {minor_units(currency)} decimals"
        )


def _check_facts(data: AssessmentCreate, currency: str, definition: ScorecardDefinition) -> None:
    """Money in the customer's currency and flags the scorecard knows (422 naming the field)."""
    if data.financials is not None:
        if data.financials.currency != currency:
            raise InvalidField(
                "financials.currency",
                f"the customer trades in {currency}, not {data.financials.currency}",
            )
        _money("financials.revenue", data.financials.revenue, currency)
        _money("financials.equity", data.financials.equity, currency)
    for index, reference in enumerate(data.references):
        _money(f"references[{index}].overdue_amount", reference.overdue_amount, currency)
    for index, flag in enumerate(data.warning_flags):
        if flag not in definition.warning_flags:
            known = ", ".join(sorted(definition.warning_flags)) or "none"
            raise InvalidField(f"warning_flags[{index}]", f"unknown flag {flag!r} (known: {known})")


def _facts(data: AssessmentCreate, behaviour: CustomerBehaviour | None) -> Facts:
    financials = data.financials
    references = data.references
    values: dict[str, Decimal | None] = {
        "average_days_late": behaviour.average_days_late if behaviour else None,
        "on_time_share": behaviour.on_time_share if behaviour else None,
        "broken_promises": Decimal(behaviour.broken_promises) if behaviour else None,
        # The longest relationship counts; overdue amounts reported add up.
        "years_together": max((r.years_together for r in references), default=None),
        "overdue_reported": sum((r.overdue_amount for r in references), Decimal(0))
        if references
        else None,
        "revenue": financials.revenue if financials else None,
        "equity": financials.equity if financials else None,
        "business_age_years": financials.business_age_years if financials else None,
    }
    return Facts(
        values=values,
        warning_flags=frozenset(data.warning_flags),
        has_track_record=behaviour is not None or bool(references),
    )


def _recorded_facts(data: AssessmentCreate, behaviour: CustomerBehaviour | None) -> dict[str, Any]:
    facts = data.model_dump(mode="json")
    facts["payment_history"] = (
        None
        if behaviour is None
        else {
            "average_days_late": str(behaviour.average_days_late),
            "on_time_share": str(behaviour.on_time_share),
            "trend": behaviour.trend,
            "broken_promises": behaviour.broken_promises,
            "as_of": behaviour.as_of.isoformat(),
        }
    )
    return facts


async def create_assessment(
    session: AsyncSession, clock: Clock, customer_id: uuid.UUID, data: AssessmentCreate
) -> AssessmentView:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NotFound("Customer", customer_id)
    repository = AssessmentRepository(session)
    scorecard = await repository.current_scorecard()
    if scorecard is None:
        raise ProblemError(409, "No active scorecard: PUT /v1/scorecards/{version} first")
    definition = ScorecardDefinition.model_validate(scorecard.definition)
    _check_facts(data, customer.currency, definition)
    behaviour = await repository.behaviour(customer_id)
    result = score(definition, _facts(data, behaviour), customer.currency)
    assessment = await repository.add(
        Assessment(
            customer_id=customer_id,
            scorecard_version=scorecard.version,
            facts=_recorded_facts(data, behaviour),
            score=result.score,
            proposed_class=result.risk_class,
            proposed_limit=result.limit,
            currency=customer.currency,
            reasons=result.reasons,
            status=PROPOSED,
            created_at=clock.now(),
        )
    )
    return AssessmentView(assessment, await session.get(RiskClass, result.risk_class))


async def accept_assessment(
    session: AsyncSession,
    clock: Clock,
    assessment_id: uuid.UUID,
    data: AssessmentAccept,
    actor: str,
) -> tuple[AssessmentView, EffectiveTerms]:
    """Apply the proposal (or the person's override of it) as the customer's credit decision."""
    assessment = await AssessmentRepository(session).get(assessment_id, for_update=True)
    if assessment is None:
        raise NotFound("Assessment", assessment_id)
    if assessment.status != PROPOSED:
        raise ProblemError(
            409,
            f"Assessment {assessment_id} was already {assessment.status}",
            type_=ProblemType.CONFLICT,
        )
    class_key = data.risk_class or assessment.proposed_class
    risk_class = await session.get(RiskClass, class_key)
    if risk_class is None:
        raise InvalidField("risk_class", f"there is no risk class {class_key!r}")
    if data.credit_limit is not None:
        limit: Decimal | None = data.credit_limit
    elif class_key == assessment.proposed_class:
        limit = assessment.proposed_limit
    else:
        limit = None  # another class: its default limit
    if not risk_class.credit_allowed:
        if data.credit_limit is not None:
            raise InvalidField("credit_limit", f"risk class {class_key!r} allows no credit")
        limit = None
    overridden = class_key != assessment.proposed_class or limit != assessment.proposed_limit
    terms = await apply_credit_decision(
        session,
        clock,
        assessment.customer_id,
        risk_class=class_key,
        credit_limit=limit,
        credit_allowed=risk_class.credit_allowed,
        overrides={},
        reason=data.reason,
        actor=actor,
        source="assessment",
        facts={
            "assessment_id": str(assessment.id),
            "scorecard_version": assessment.scorecard_version,
            "score": str(assessment.score),
            "proposed_class": assessment.proposed_class,
            "proposed_limit": None
            if assessment.proposed_limit is None
            else str(assessment.proposed_limit),
        },
    )
    assessment.status = OVERRIDDEN if overridden else ACCEPTED
    assessment.decided_class = class_key
    assessment.decided_limit = limit
    assessment.decision_reason = data.reason
    assessment.decided_by = actor
    assessment.decided_at = clock.now()
    await session.flush()
    return AssessmentView(assessment, risk_class), terms


async def get_assessment(session: AsyncSession, assessment_id: uuid.UUID) -> AssessmentView:
    assessment = await AssessmentRepository(session).get(assessment_id)
    if assessment is None:
        raise NotFound("Assessment", assessment_id)
    return AssessmentView(assessment, await session.get(RiskClass, assessment.proposed_class))


async def list_assessments(
    session: AsyncSession, customer_id: uuid.UUID, page: PageRequest
) -> tuple[list[Assessment], str | None]:
    if await session.get(Customer, customer_id) is None:
        raise NotFound("Customer", customer_id)
    return await AssessmentRepository(session).page(customer_id, page)


async def put_scorecard(
    session: AsyncSession, version: int, data: ScorecardPut, actor: str
) -> tuple[Scorecard, bool]:
    """Create version `version` (True), or change one no assessment has used yet."""
    for index, band in enumerate(data.definition.classes):
        if await session.get(RiskClass, band.risk_class) is None:
            raise InvalidField(
                f"definition.classes[{index}].risk_class",
                f"there is no risk class {band.risk_class!r}",
            )
    for key in sorted(data.definition.risk_classes()):
        if await session.get(RiskClass, key) is None:
            raise InvalidField("definition", f"there is no risk class {key!r}")
    for key in data.definition.limits:
        if await session.get(RiskClass, key) is None:
            raise InvalidField(f"definition.limits.{key}", f"there is no risk class {key!r}")
    repository = AssessmentRepository(session)
    definition = data.definition.model_dump(mode="json")
    existing = await repository.scorecard(version, for_update=True)
    if existing is None:
        scorecard = Scorecard(
            version=version,
            definition=definition,
            active=data.active,
            description=data.description,
            created_by=actor,
        )
        return await repository.add_scorecard(scorecard), True
    if existing.definition != definition and await repository.scorecard_used(version):
        # An assessment must keep pointing at the scorecard that scored it.
        raise ProblemError(
            409,
            f"Scorecard {version} has scored assessments: publish a new version instead",
            type_=ProblemType.CONFLICT,
        )
    existing.definition = definition
    existing.active = data.active
    existing.description = data.description
    await session.flush()
    return existing, False


async def get_scorecard(session: AsyncSession, version: int) -> Scorecard:
    scorecard = await AssessmentRepository(session).scorecard(version)
    if scorecard is None:
        raise NotFound("Scorecard", version)
    return scorecard


async def list_scorecards(session: AsyncSession) -> list[Scorecard]:
    return await AssessmentRepository(session).scorecards()
