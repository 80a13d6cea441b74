"""Facts from collections and analytics that the credit review reads (requirement 4)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.reviews.repository import ReviewRepository
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import (
    CaseEscalated,
    CustomerBehaviourUpdated,
    DunningStepDue,
    PromiseBroken,
)


async def on_customer_behaviour_updated(
    session: AsyncSession, event: CustomerBehaviourUpdated, context: HandlerContext
) -> None:
    await ReviewRepository(session).store_behaviour(event)


async def on_promise_broken(
    session: AsyncSession, event: PromiseBroken, context: HandlerContext
) -> None:
    await ReviewRepository(session).add_signal(
        event.customer_id,
        "promise_broken",
        str(event.promise_id),
        context.clock.today(),
        {
            "promise_id": str(event.promise_id),
            "amount": str(event.amount),
            "currency": event.currency,
            "promised_for": event.promised_for.isoformat(),
        },
    )


async def on_case_escalated(
    session: AsyncSession, event: CaseEscalated, context: HandlerContext
) -> None:
    # Each level reached is its own fact: legal after senior management is news.
    await ReviewRepository(session).add_signal(
        event.customer_id,
        "case_escalated",
        f"{event.case_id}:{event.level}",
        context.clock.today(),
        {"case_id": str(event.case_id), "level": event.level},
    )


async def on_dunning_step_due(
    session: AsyncSession, event: DunningStepDue, context: HandlerContext
) -> None:
    """A step that hands the debt over (legal, agency) is an escalation the review sees."""
    if "hand_over" not in event.actions:
        return
    await ReviewRepository(session).add_signal(
        event.customer_id,
        "dunning_hand_over",
        f"{event.invoice_id}:{event.step}",
        event.due_on,
        {"invoice_id": str(event.invoice_id), "step": event.step, "actions": list(event.actions)},
    )
