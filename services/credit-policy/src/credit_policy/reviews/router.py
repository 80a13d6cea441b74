from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from credit_policy.dependencies import (
    ApproveKeyDep,
    ClockDep,
    PageRequestDep,
    ReadKeyDep,
    SessionDep,
)
from credit_policy.reviews import service
from credit_policy.reviews.schemas import (
    ReviewPage,
    ReviewRead,
    ReviewReason,
    ReviewResolve,
    ReviewStatus,
)

router = APIRouter(prefix="/reviews", tags=["reviews"])


@router.get("", response_model=ReviewPage)
async def list_reviews(
    session: SessionDep,
    _: ReadKeyDep,
    page: PageRequestDep,
    reason: Annotated[ReviewReason | None, Query(description="Only this reason.")] = None,
    status: Annotated[ReviewStatus | None, Query(description="open or resolved.")] = None,
    customer_id: Annotated[uuid.UUID | None, Query(description="Only this customer.")] = None,
) -> ReviewPage:
    """The review queue (requirement 4), in the order flagged."""
    items, next_cursor = await service.list_reviews(
        session,
        page,
        reason=None if reason is None else str(reason),
        status=None if status is None else str(status),
        customer_id=customer_id,
    )
    return ReviewPage(
        items=[ReviewRead.model_validate(item) for item in items], next_cursor=next_cursor
    )


@router.get("/{review_id}", response_model=ReviewRead)
async def get_review(review_id: uuid.UUID, session: SessionDep, _: ReadKeyDep) -> ReviewRead:
    return ReviewRead.model_validate(await service.get_review(session, review_id))


@router.post("/{review_id}/resolve", response_model=ReviewRead)
async def resolve_review(
    review_id: uuid.UUID,
    data: ReviewResolve,
    session: SessionDep,
    clock: ClockDep,
    key: ApproveKeyDep,
) -> ReviewRead:
    """Record the decision; a change of class or limit goes into the customer's history."""
    review = await service.resolve_review(session, clock, review_id, data, key.name)
    return ReviewRead.model_validate(review)
