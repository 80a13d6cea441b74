from __future__ import annotations

from credit_policy.credit_checks import service
from credit_policy.settings import Settings
from receivables_shared.jobs import JobContext, PeriodicJob
from receivables_shared.settings import ServiceSettings


async def expire_reservations(context: JobContext) -> int:
    """Mark reservations past their expiry (they stopped counting at expires_at already)."""
    async with context.sessionmaker() as session:
        expired = await service.expire_reservations(session, context.clock)
        await session.commit()
    return expired


def _interval(settings: ServiceSettings) -> float:
    assert isinstance(settings, Settings)
    return settings.reservation_expiry_interval_seconds


EXPIRE_RESERVATIONS = PeriodicJob(
    name="expire-reservations", run=expire_reservations, interval_seconds=_interval
)
