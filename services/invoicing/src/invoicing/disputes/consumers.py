from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.disputes import service
from receivables_shared.consumer import HandlerContext
from receivables_shared.events import DisputeOpened, DisputeResolved


async def on_dispute_opened(
    session: AsyncSession, event: DisputeOpened, context: HandlerContext
) -> None:
    await service.open_dispute(session, event)


async def on_dispute_resolved(
    session: AsyncSession, event: DisputeResolved, context: HandlerContext
) -> None:
    await service.resolve_dispute(session, event)
