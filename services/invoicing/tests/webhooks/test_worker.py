"""The worker round: claims due deliveries, applies or parks them, retries parked ones later.

These tests commit (the worker opens its own transactions), so each starts from an empty inbox.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
import pytest_asyncio
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from invoicing.settings import Settings
from invoicing.webhooks import service
from invoicing.webhooks.adapters import IncomingPayment
from invoicing.webhooks.applier import ApplyOutcome, ParkEverything
from invoicing.webhooks.models import WebhookDelivery
from invoicing.webhooks.signing import standard_headers
from invoicing.webhooks.sources import load_sources
from invoicing.webhooks.worker import apply_due_deliveries
from receivables_shared.clock import Clock, ManualClock
from receivables_shared.db.engine import create_sessionmaker
from receivables_shared.events import PaymentReceived
from receivables_shared.jobs import JobContext
from receivables_shared.outbox import record_event
from receivables_shared.outbox.models import OutboxEvent
from services.invoicing.tests.webhooks.samples import (
    SOURCES_JSON,
    STANDARD_SECRET,
    encode,
    standard_payload,
)

RETRY_SECONDS = 60


class RecordingApplier:
    """Applies payments for the invoices it knows; parks the others. Counts every call."""

    def __init__(self, known_invoices: set[str]) -> None:
        self.known = known_invoices
        self.calls: list[IncomingPayment] = []

    async def apply(
        self, session: AsyncSession, clock: Clock, payment: IncomingPayment
    ) -> ApplyOutcome:
        self.calls.append(payment)
        if set(payment.invoice_numbers) <= self.known:
            return ApplyOutcome.applied()
        return ApplyOutcome.parked("invoice not known yet")


class FailingApplier:
    async def apply(
        self, session: AsyncSession, clock: Clock, payment: IncomingPayment
    ) -> ApplyOutcome:
        raise ZeroDivisionError


class WritingApplier:
    """Writes a PaymentReceived per payment (a real write in the worker's transaction), and
    fails on the invoice INV-BAD after writing."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.calls = 0

    async def apply(
        self, session: AsyncSession, clock: Clock, payment: IncomingPayment
    ) -> ApplyOutcome:
        self.calls += 1
        event = PaymentReceived(
            customer_id=uuid.uuid5(uuid.NAMESPACE_URL, "customer"),
            payment_id=uuid.uuid5(uuid.NAMESPACE_URL, payment.external_id),
            currency=payment.currency,
            amount=payment.amount,
            received_on=payment.received_on,
        )
        record_event(session, event, clock=self.clock)
        await session.flush()
        if "INV-BAD" in payment.invoice_numbers:
            raise ZeroDivisionError
        return ApplyOutcome.applied()


@pytest_asyncio.fixture
async def sessionmaker(engine: AsyncEngine) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    maker = create_sessionmaker(engine)
    async with maker() as session, session.begin():
        await session.execute(delete(WebhookDelivery))
    yield maker
    # What these tests committed must not reach the rolled-back tests of the same database.
    async with maker() as session, session.begin():
        await session.execute(delete(WebhookDelivery))
        await session.execute(delete(OutboxEvent))


@pytest.fixture
def context(
    sessionmaker: async_sessionmaker[AsyncSession], clock: ManualClock, database_url: str
) -> JobContext:
    settings = Settings(
        database_url=database_url,
        webhook_sources=SOURCES_JSON,
        webhook_apply_batch_size=3,
        webhook_parked_retry_seconds=RETRY_SECONDS,
    )
    return JobContext(sessionmaker=sessionmaker, clock=clock, settings=settings)


async def receive(context: JobContext, webhook_id: str, invoices: list[str]) -> None:
    """A delivery through the intake's own service function, committed."""
    body = encode(standard_payload(payment_id=webhook_id, invoice_numbers=invoices))
    headers = standard_headers(STANDARD_SECRET, body, webhook_id=webhook_id)
    source = load_sources(SOURCES_JSON)["bank-standard"]
    async with context.sessionmaker() as session, session.begin():
        await service.receive_delivery(
            session, context.clock, source, body, headers, context.settings.business_zone
        )


async def states(context: JobContext) -> dict[str, tuple[str, str | None, int]]:
    async with context.sessionmaker() as session:
        rows = (await session.scalars(select(WebhookDelivery))).all()
    return {row.event_id: (row.state, row.reason, row.attempts) for row in rows}


async def test_park_everything_parks_every_delivery_so_none_is_lost(
    context: JobContext,
) -> None:
    # Allocation registers its own applier (tests/payments/test_webhook_allocation.py).
    await receive(context, "msg_1", ["INV-1"])

    assert await apply_due_deliveries(context, ParkEverything()) == 1

    assert await states(context) == {"msg_1": ("parked", ParkEverything.REASON, 1)}


async def test_applied_and_parked_in_batches(context: JobContext) -> None:
    for n in range(7):  # batches of 3: three rounds of claiming in one call
        await receive(context, f"msg_{n}", ["INV-1"] if n % 2 else ["INV-LATE"])
    applier = RecordingApplier({"INV-1"})

    settled = await apply_due_deliveries(context, applier)

    assert settled == 7 and len(applier.calls) == 7
    found = await states(context)
    assert {k for k, v in found.items() if v[0] == "applied"} == {"msg_1", "msg_3", "msg_5"}
    assert found["msg_0"] == ("parked", "invoice not known yet", 1)
    # Nothing is due any more: a second round applies nothing twice.
    assert await apply_due_deliveries(context, applier) == 0
    assert len(applier.calls) == 7


async def test_a_parked_delivery_is_retried_after_the_interval_and_applied_when_it_can_be(
    context: JobContext, clock: ManualClock
) -> None:
    await receive(context, "msg_early", ["INV-9"])  # paid before the invoice arrived
    applier = RecordingApplier(set())
    await apply_due_deliveries(context, applier)

    clock.advance(timedelta(seconds=RETRY_SECONDS - 1))
    assert await apply_due_deliveries(context, applier) == 0  # not due yet
    applier.known.add("INV-9")  # the invoice arrives
    clock.advance(timedelta(seconds=1))
    assert await apply_due_deliveries(context, applier) == 1

    assert await states(context) == {"msg_early": ("applied", None, 2)}


async def test_a_replayed_delivery_is_applied_at_once(
    context: JobContext, clock: ManualClock
) -> None:
    await receive(context, "msg_1", ["INV-1"])
    await apply_due_deliveries(context, ParkEverything())
    async with context.sessionmaker() as session, session.begin():
        delivery = await session.scalar(select(WebhookDelivery))
        assert delivery is not None
        await service.replay_delivery(session, clock, delivery.id)

    await apply_due_deliveries(context, RecordingApplier({"INV-1"}))

    assert (await states(context))["msg_1"][0] == "applied"


async def test_an_applier_that_raises_parks_the_delivery_and_the_batch_goes_on(
    context: JobContext,
) -> None:
    await receive(context, "msg_1", ["INV-1"])
    await receive(context, "msg_2", ["INV-1"])

    assert await apply_due_deliveries(context, FailingApplier()) == 2

    found = await states(context)
    assert found["msg_1"] == ("parked", "applying failed: ZeroDivisionError", 1)
    assert found["msg_2"][0] == "parked"


async def test_a_failing_applier_in_a_batch_keeps_no_write_of_its_own_and_the_others_apply_once(
    context: JobContext, clock: ManualClock
) -> None:
    # The batch first runs without savepoints; the failure rolls it back and it runs again
    # with one savepoint per delivery.
    await receive(context, "msg_1", ["INV-1"])
    await receive(context, "msg_2", ["INV-BAD"])
    await receive(context, "msg_3", ["INV-3"])
    applier = WritingApplier(clock)

    assert await apply_due_deliveries(context, applier) == 3

    found = await states(context)
    assert found["msg_1"] == ("applied", None, 1) and found["msg_3"] == ("applied", None, 1)
    assert found["msg_2"] == ("parked", "applying failed: ZeroDivisionError", 1)
    async with context.sessionmaker() as session:
        written = (await session.scalars(select(OutboxEvent.payload))).all()
    ours = {str(uuid.uuid5(uuid.NAMESPACE_URL, m)): m for m in ("msg_1", "msg_2", "msg_3")}
    paid = sorted(ours[p] for p in (str(w["payment_id"]) for w in written) if p in ours)
    assert paid == ["msg_1", "msg_3"]
    assert applier.calls == 5  # two in the rolled-back pass, three in the careful one


async def test_a_delivery_of_a_source_no_longer_configured_is_rejected(
    context: JobContext,
) -> None:
    await receive(context, "msg_1", ["INV-1"])
    settings = Settings(database_url="postgresql://x/y", webhook_sources=None)
    bare = JobContext(sessionmaker=context.sessionmaker, clock=context.clock, settings=settings)

    await apply_due_deliveries(bare, RecordingApplier({"INV-1"}))

    state, reason, _ = (await states(context))["msg_1"]
    assert state == "rejected" and reason is not None and "no longer configured" in reason


async def test_two_workers_at_once_apply_each_delivery_once(context: JobContext) -> None:
    for n in range(12):
        await receive(context, f"msg_{n}", ["INV-1"])

    class SlowApplier(RecordingApplier):
        async def apply(
            self, session: AsyncSession, clock: Clock, payment: IncomingPayment
        ) -> ApplyOutcome:
            await asyncio.sleep(0.01)  # keeps the batch's rows locked while the other claims
            return await super().apply(session, clock, payment)

    first, second = SlowApplier({"INV-1"}), SlowApplier({"INV-1"})
    await asyncio.gather(
        apply_due_deliveries(context, first), apply_due_deliveries(context, second)
    )

    applied = [p.external_id for p in [*first.calls, *second.calls]]
    assert sorted(applied) == sorted(f"msg_{n}" for n in range(12))
    assert all(state == "applied" for state, _, _ in (await states(context)).values())
