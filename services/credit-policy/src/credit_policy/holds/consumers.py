from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.holds import service
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import DunningStepDue

HOLD_ACTION = "hold"


async def on_dunning_step_due(
    session: AsyncSession, event: DunningStepDue, context: HandlerContext
) -> None:
    if HOLD_ACTION in event.actions:
        await service.place_dunning_hold(session, context.clock, event.customer_id, event.step)
