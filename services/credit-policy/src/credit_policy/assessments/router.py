from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response

from credit_policy.assessments import service
from credit_policy.assessments.schemas import (
    AssessmentAccept,
    AssessmentCreate,
    AssessmentPage,
    AssessmentRead,
    ProposedTerms,
    ScorecardPut,
    ScorecardRead,
)
from credit_policy.dependencies import (
    ApproveKeyDep,
    ClockDep,
    IdempotencyDep,
    PageRequestDep,
    ReadKeyDep,
    SessionDep,
    WriteKeyDep,
)

router = APIRouter(tags=["assessments"])

Version = Annotated[int, Path(ge=1, le=1_000_000, description="The scorecard version.")]


def _read(view: service.AssessmentView) -> AssessmentRead:
    read = AssessmentRead.model_validate(view.assessment)
    if view.risk_class is not None:
        read.proposed_terms = ProposedTerms.model_validate(view.risk_class, from_attributes=True)
    return read


@router.post("/customers/{customer_id}/assessments", status_code=201, response_model=AssessmentRead)
async def create_assessment(
    customer_id: uuid.UUID,
    data: AssessmentCreate,
    session: SessionDep,
    clock: ClockDep,
    _: WriteKeyDep,
    idempotency: IdempotencyDep,
) -> AssessmentRead | Response:
    """Score the customer with the newest active scorecard; a proposal, nothing changes yet."""
    if replay := await idempotency.replay():
        return replay
    view = await service.create_assessment(session, clock, customer_id, data)
    return await idempotency.remember(201, _read(view))


@router.get("/customers/{customer_id}/assessments", response_model=AssessmentPage)
async def list_assessments(
    customer_id: uuid.UUID, session: SessionDep, _: ReadKeyDep, page: PageRequestDep
) -> AssessmentPage:
    items, next_cursor = await service.list_assessments(session, customer_id, page)
    return AssessmentPage(
        items=[AssessmentRead.model_validate(item) for item in items], next_cursor=next_cursor
    )


@router.get("/assessments/{assessment_id}", response_model=AssessmentRead)
async def get_assessment(
    assessment_id: uuid.UUID, session: SessionDep, _: ReadKeyDep
) -> AssessmentRead:
    return _read(await service.get_assessment(session, assessment_id))


@router.post("/assessments/{assessment_id}/accept", response_model=AssessmentRead)
async def accept_assessment(
    assessment_id: uuid.UUID,
    data: AssessmentAccept,
    session: SessionDep,
    clock: ClockDep,
    key: ApproveKeyDep,
) -> AssessmentRead:
    """Accept the proposal, or override class and/or limit: the customer's credit decision."""
    view, _ = await service.accept_assessment(session, clock, assessment_id, data, key.name)
    return _read(view)


@router.get("/scorecards", response_model=list[ScorecardRead])
async def list_scorecards(session: SessionDep, _: ReadKeyDep) -> list[ScorecardRead]:
    return [ScorecardRead.model_validate(s) for s in await service.list_scorecards(session)]


@router.get("/scorecards/{version}", response_model=ScorecardRead)
async def get_scorecard(version: Version, session: SessionDep, _: ReadKeyDep) -> ScorecardRead:
    return ScorecardRead.model_validate(await service.get_scorecard(session, version))


@router.put(
    "/scorecards/{version}",
    response_model=ScorecardRead,
    responses={201: {"model": ScorecardRead, "description": "Created"}},
)
async def put_scorecard(
    version: Version,
    data: ScorecardPut,
    session: SessionDep,
    response: Response,
    key: ApproveKeyDep,
) -> ScorecardRead:
    """A new scorecard version (201), or a change of one that has scored nothing yet (200)."""
    scorecard, created = await service.put_scorecard(session, version, data, key.name)
    response.status_code = 201 if created else 200
    return ScorecardRead.model_validate(scorecard)
