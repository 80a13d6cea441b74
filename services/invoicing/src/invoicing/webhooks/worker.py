"""The worker loop: claim due deliveries, map, apply, and settle each as applied, parked or
rejected. Run by the invoicing worker process as the periodic job `webhook-deliveries`.

Safe on two replicas at once: a batch is claimed with FOR UPDATE SKIP LOCKED, so no delivery is
offered to two appliers; the row is settled in the same transaction as the applier's writes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.settings import Settings
from invoicing.webhooks.adapters import IncomingPayment, PayloadRejected
from invoicing.webhooks.applier import (
    ApplyOutcome,
    BatchPaymentApplier,
    PaymentApplier,
    payment_applier,
)
from invoicing.webhooks.models import DeliveryState, WebhookDelivery
from invoicing.webhooks.repository import DeliveryRepository
from invoicing.webhooks.service import read_payment
from invoicing.webhooks.sources import WebhookSource, load_sources
from receivables_shared.clock import Clock
from receivables_shared.db.faults import is_transient
from receivables_shared.jobs import JobContext, PeriodicJob
from receivables_shared.settings import ServiceSettings

log = logging.getLogger(__name__)

#: One round stops after this many batches, so the timer (and a stop) gets a word in.
MAX_BATCHES_PER_ROUND = 50


class _ApplierFailed(Exception):
    """A delivery's applier failed in a batch run without savepoints: run the batch again
    with one savepoint per delivery, so that only the failing one is parked."""


def _read(
    delivery: WebhookDelivery,
    sources: dict[str, WebhookSource],
    *,
    now: datetime,
    zone: ZoneInfo,
) -> IncomingPayment | None:
    """The delivery's payment, by the adapter of today (on replay too); None when it cannot
    become one, and then the delivery is settled as rejected."""
    # The delivery's row is changed only after the applier ran: its UPDATE then goes out
    # with the batch's at commit, not as an autoflush before the applier's first query.
    source = sources.get(delivery.source)
    try:
        if source is None:
            raise PayloadRejected(f"source {delivery.source!r} is no longer configured")
        return read_payment(source, delivery.body, zone)
    except PayloadRejected as error:
        delivery.attempts, delivery.updated_at = delivery.attempts + 1, now
        delivery.state, delivery.reason, delivery.next_attempt_at = (
            DeliveryState.REJECTED,
            error.reason,
            None,
        )
        return None


def _record(
    delivery: WebhookDelivery,
    payment: IncomingPayment,
    outcome: ApplyOutcome,
    *,
    now: datetime,
    retry_after: timedelta,
) -> None:
    delivery.attempts, delivery.updated_at = delivery.attempts + 1, now
    delivery.payment = payment.to_json()
    if outcome.result == "applied":
        delivery.state, delivery.reason, delivery.next_attempt_at = (
            DeliveryState.APPLIED,
            None,
            None,
        )
    else:
        delivery.state, delivery.reason = DeliveryState.PARKED, outcome.reason
        delivery.next_attempt_at = now + retry_after


async def _settle(
    session: AsyncSession,
    clock: Clock,
    delivery: WebhookDelivery,
    payment: IncomingPayment,
    applier: PaymentApplier,
    *,
    savepoint: bool,
) -> ApplyOutcome:
    try:
        if savepoint:
            # A failing applier loses its own writes, not the batch's.
            async with session.begin_nested():
                return await applier.apply(session, clock, payment)
        return await applier.apply(session, clock, payment)
    except Exception as error:
        if is_transient(error):
            raise  # the database is away: the whole batch is tried again later
        if not savepoint:
            raise _ApplierFailed from error
        log.exception("applying webhook delivery %s failed; parked", delivery.id)
        return ApplyOutcome.parked(f"applying failed: {type(error).__name__}")


async def _settle_together(
    session: AsyncSession,
    clock: Clock,
    readable: list[tuple[WebhookDelivery, IncomingPayment]],
    applier: BatchPaymentApplier,
) -> list[ApplyOutcome]:
    """The whole batch in one call of the applier (set-based), no savepoint."""
    try:
        return await applier.apply_batch(session, clock, [payment for _, payment in readable])
    except Exception as error:
        if is_transient(error):
            raise
        raise _ApplierFailed from error


async def _apply_batch(
    context: JobContext,
    sources: dict[str, WebhookSource],
    applier: PaymentApplier,
    settings: Settings,
    *,
    savepoint: bool,
) -> int:
    """Claim one batch and settle it in one transaction: how many deliveries were settled."""
    now = context.clock.now()
    retry_after = timedelta(seconds=settings.webhook_parked_retry_seconds)
    async with context.sessionmaker() as session, session.begin():
        batch = await DeliveryRepository(session).claim_due(now, settings.webhook_apply_batch_size)
        readable = []
        for delivery in batch:
            payment = _read(delivery, sources, now=now, zone=settings.business_zone)
            if payment is not None:
                readable.append((delivery, payment))
        if readable and not savepoint and isinstance(applier, BatchPaymentApplier):
            outcomes = await _settle_together(session, context.clock, readable, applier)
        else:
            outcomes = [
                await _settle(
                    session, context.clock, delivery, payment, applier, savepoint=savepoint
                )
                for delivery, payment in readable
            ]
        for (delivery, payment), outcome in zip(readable, outcomes, strict=True):
            _record(delivery, payment, outcome, now=now, retry_after=retry_after)
    return len(batch)


async def apply_due_deliveries(context: JobContext, applier: PaymentApplier | None = None) -> int:
    """One round: every delivery due now, batch by batch; returns how many were settled.

    A batch runs without savepoints, in one `apply_batch` call when the applier has one
    (set-based: a few statements per batch, not per delivery); if it fails, the whole batch
    is rolled back and run again with `apply` and a savepoint per delivery, which parks the
    failing one and applies the others."""
    settings = _invoicing(context.settings)
    sources = load_sources(settings.webhook_sources)
    applier = applier or payment_applier()
    settled = 0
    for _ in range(MAX_BATCHES_PER_ROUND):
        try:
            claimed = await _apply_batch(context, sources, applier, settings, savepoint=False)
        except _ApplierFailed:
            claimed = await _apply_batch(context, sources, applier, settings, savepoint=True)
        settled += claimed
        if claimed < settings.webhook_apply_batch_size:
            break
    return settled


def _invoicing(settings: ServiceSettings) -> Settings:
    if not isinstance(settings, Settings):
        raise TypeError(f"the webhook job runs with invoicing's settings, not {type(settings)}")
    return settings


def _interval(settings: ServiceSettings) -> float:
    return _invoicing(settings).webhook_apply_interval_seconds


APPLY_DELIVERIES = PeriodicJob(
    name="webhook-deliveries", run=apply_due_deliveries, interval_seconds=_interval
)
