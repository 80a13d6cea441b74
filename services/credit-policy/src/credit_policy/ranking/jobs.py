from __future__ import annotations

from credit_policy.ranking.special_control import ControlRound, apply_special_control_rules
from credit_policy.settings import Settings
from receivables_shared.jobs import JobContext, PeriodicJob
from receivables_shared.settings import ServiceSettings


async def special_control(context: JobContext) -> ControlRound:
    """As of the business date: put the customers the rules match under special control."""
    async with context.sessionmaker() as session:
        applied = await apply_special_control_rules(session, context.clock)
        await session.commit()
    return applied


def _interval(settings: ServiceSettings) -> float:
    assert isinstance(settings, Settings)
    return settings.special_control_interval_seconds


SPECIAL_CONTROL = PeriodicJob(
    name="special-control", run=special_control, interval_seconds=_interval
)
