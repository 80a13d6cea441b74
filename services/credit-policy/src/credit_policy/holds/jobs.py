from __future__ import annotations

from dataclasses import dataclass

from credit_policy.holds import service
from credit_policy.settings import Settings
from receivables_shared.jobs import JobContext, PeriodicJob
from receivables_shared.settings import ServiceSettings


@dataclass(frozen=True)
class HoldsRound:
    placed: int
    released: int


async def credit_holds(context: JobContext) -> HoldsRound:
    """As of the business date: hold customers overdue beyond grace, release the settled."""
    async with context.sessionmaker() as session:
        placed = await service.place_overdue_holds(session, context.clock)
        released = await service.release_settled(session, context.clock)
        await session.commit()
    return HoldsRound(placed=len(placed), released=len(released))


def _interval(settings: ServiceSettings) -> float:
    assert isinstance(settings, Settings)
    return settings.credit_holds_interval_seconds


CREDIT_HOLDS = PeriodicJob(name="credit-holds", run=credit_holds, interval_seconds=_interval)
