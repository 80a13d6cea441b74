from __future__ import annotations

from credit_policy.reviews import service
from credit_policy.settings import Settings
from receivables_shared.jobs import JobContext, PeriodicJob
from receivables_shared.settings import ServiceSettings


async def credit_reviews(context: JobContext) -> service.FlagRound:
    """As of the business date: open the reviews the day's evidence calls for (idempotent)."""
    settings = context.settings
    assert isinstance(settings, Settings)
    async with context.sessionmaker() as session:
        flagged = await service.flag_reviews(
            session,
            context.clock,
            clean_days=settings.review_clean_record_days,
            increase_percent=settings.review_limit_increase_percent,
        )
        await session.commit()
    return flagged


def _interval(settings: ServiceSettings) -> float:
    assert isinstance(settings, Settings)
    return settings.credit_reviews_interval_seconds


CREDIT_REVIEWS = PeriodicJob(name="credit-reviews", run=credit_reviews, interval_seconds=_interval)
