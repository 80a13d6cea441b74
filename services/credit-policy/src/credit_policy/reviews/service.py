"""The periodic credit review (requirement 4): flag, list, resolve."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.reviews.models import CreditReview
from credit_policy.reviews.repository import WORSENING_SIGNALS, ReviewRepository
from credit_policy.reviews.schemas import ReviewDecision, ReviewResolve
from credit_policy.risk_classes.models import RiskClass
from credit_policy.terms.effective import apply_credit_decision
from credit_policy.terms.models import CustomerCredit
from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField, NotFound, ProblemError, ProblemType
from receivables_shared.pagination import PageRequest


@dataclass(frozen=True)
class FlagRound:
    as_of: date
    opened: dict[str, int]


async def flag_reviews(
    session: AsyncSession, clock: Clock, *, clean_days: int, increase_percent: int
) -> FlagRound:
    """One statement per reason, each opening at most one review per customer and reason."""
    repository = ReviewRepository(session)
    as_of, now = clock.today(), clock.now()
    opened = {
        reason: await repository.flag_worsening(reason, as_of, now) for reason in WORSENING_SIGNALS
    }
    # After the worsenings, so a customer flagged today gets no increase proposal.
    opened["clean_record"] = await repository.flag_clean_records(
        as_of, now, clean_days=clean_days, increase_percent=increase_percent
    )
    return FlagRound(as_of, opened)


async def has_open_worsening_review(session: AsyncSession, customer_id: uuid.UUID) -> bool:
    """The credit check's `review_pending` seam: a worsening is under review."""
    return await ReviewRepository(session).has_open_worsening(customer_id)


async def list_reviews(
    session: AsyncSession,
    page: PageRequest,
    *,
    reason: str | None,
    status: str | None,
    customer_id: uuid.UUID | None,
) -> tuple[list[CreditReview], str | None]:
    return await ReviewRepository(session).page(
        page, reason=reason, status=status, customer_id=customer_id
    )


async def get_review(session: AsyncSession, review_id: uuid.UUID) -> CreditReview:
    review = await ReviewRepository(session).get(review_id)
    if review is None:
        raise NotFound("Review", review_id)
    return review


async def _change(
    session: AsyncSession,
    clock: Clock,
    review: CreditReview,
    data: ReviewResolve,
    actor: str,
) -> None:
    credit = await session.get(CustomerCredit, review.customer_id)
    if credit is None:
        raise NotFound("Customer", review.customer_id)
    class_key = credit.risk_class_key
    limit: Decimal | None = credit.credit_limit
    allowed = credit.credit_allowed
    if data.decision is ReviewDecision.STOP_CREDIT:
        allowed = False
    else:
        if data.risk_class is None and data.credit_limit is None:
            if review.proposed_limit is None:
                raise InvalidField("decision", "a change needs risk_class and/or credit_limit")
            limit = review.proposed_limit
        if data.risk_class is not None and data.risk_class != class_key:
            class_key, limit = data.risk_class, None  # the new class's default
        if data.credit_limit is not None:
            limit = data.credit_limit
        risk_class = None if class_key is None else await session.get(RiskClass, class_key)
        if class_key is not None and risk_class is None:
            raise InvalidField("risk_class", f"there is no risk class {class_key!r}")
        allowed = allowed and risk_class is not None and risk_class.credit_allowed
    await apply_credit_decision(
        session,
        clock,
        review.customer_id,
        risk_class=class_key,
        credit_limit=limit,
        credit_allowed=allowed,
        overrides={},
        reason=data.reason,
        actor=actor,
        source="review",
        facts={"review_id": str(review.id), "review_reason": review.reason},
    )


async def resolve_review(
    session: AsyncSession, clock: Clock, review_id: uuid.UUID, data: ReviewResolve, actor: str
) -> CreditReview:
    """Record the decision; `change` and `stop_credit` go through apply_credit_decision."""
    review = await ReviewRepository(session).get(review_id, for_update=True)
    if review is None:
        raise NotFound("Review", review_id)
    if review.status != "open":
        raise ProblemError(
            409, f"Review {review_id} is already resolved", type_=ProblemType.CONFLICT
        )
    if data.decision is ReviewDecision.KEEP and (data.risk_class or data.credit_limit):
        raise InvalidField("decision", "keep changes nothing: send change with the new values")
    if data.decision is not ReviewDecision.KEEP:
        await _change(session, clock, review, data, actor)
    review.status = "resolved"
    review.decision = str(data.decision)
    review.decision_reason = data.reason
    review.decided_by = actor
    review.resolved_at = clock.now()
    await session.flush()
    return review
