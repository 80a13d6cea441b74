"""Signed webhooks to allocation: the delivery is acknowledged, the worker applies it through
the registered AllocatingApplier, a retried delivery applies once, and a payment that names an
invoice not issued yet waits (parked) until it is.

The worker commits, so these tests run in a database of their own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from invoicing.definition import SERVICE
from invoicing.invoices.models import Invoice
from invoicing.payments.models import Payment
from invoicing.payments.webhook_applier import WAIT_FOR_INVOICES_DAYS, AllocatingApplier
from invoicing.settings import Settings
from invoicing.testing import create_known_customer
from invoicing.webhooks.applier import payment_applier
from invoicing.webhooks.models import WebhookDelivery
from invoicing.webhooks.signing import standard_headers
from invoicing.webhooks.worker import apply_due_deliveries
from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.clock import ManualClock
from receivables_shared.db.engine import create_engine
from receivables_shared.http.app import create_app
from receivables_shared.jobs import JobContext
from receivables_shared.testing.service import (
    TEST_START,
    database_name_for_tests,
    fresh_database,
    settings_for_tests,
)
from services.invoicing.tests.webhooks.samples import (
    SOURCES_JSON,
    STANDARD_SECRET,
    encode,
    standard_payload,
)

RETRY_SECONDS = 60


@dataclass
class Stack:
    client: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]
    clock: ManualClock
    context: JobContext


@pytest_asyncio.fixture(scope="module")
async def stack(postgres_server_url: str) -> AsyncIterator[Stack]:
    url = await fresh_database(
        SERVICE, postgres_server_url, database_name_for_tests(SERVICE, "paywebhook")
    )
    engine = create_engine(url, pool_size=3)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions.begin() as session:
        issued = await issue_api_key(session, name="hooks", scopes=[Scope.ADMIN])
    clock = ManualClock(TEST_START)
    overrides: dict[str, Any] = {
        "webhook_sources": SOURCES_JSON,
        "webhook_parked_retry_seconds": RETRY_SECONDS,
    }
    app = create_app(
        SERVICE, settings_for_tests(SERVICE, url, "127.0.0.1:1", **overrides), clock=clock
    )
    settings = Settings(database_url=url, **overrides)
    context = JobContext(sessionmaker=sessions, clock=clock, settings=settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers={"Authorization": f"Bearer {issued.secret}"},
    ) as client:
        yield Stack(client, sessions, clock, context)
    await app.state.engine.dispose()
    await engine.dispose()


async def deliver(stack: Stack, payment_id: str, amount: str, invoice_number: str) -> None:
    body = encode(
        standard_payload(
            payment_id=payment_id,
            amount=amount,
            invoice_numbers=[invoice_number],
            reference=None,
            payer_iban=None,
            payer_name=f"Payer {payment_id}",
        )
    )
    headers = standard_headers(STANDARD_SECRET, body, webhook_id=f"msg_{payment_id}")
    response = await stack.client.post(
        "/v1/webhooks/payments/bank-standard", content=body, headers=headers
    )
    assert response.status_code in (200, 202), response.text


async def work(stack: Stack) -> None:
    # The registered applier, as the worker runs it: as of the worker's clock (the business
    # date), not the machine's.
    await apply_due_deliveries(stack.context, payment_applier())


async def issue(stack: Stack, gross: str) -> dict[str, Any]:
    async with stack.sessions.begin() as session:
        customer_id = await create_known_customer(session)
    line = {"description": "Work", "quantity": "1", "unit_price": gross}
    response = await stack.client.post(
        "/v1/invoices",
        json={"customer_id": str(customer_id), "currency": "EUR", "lines": [line]},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def open_amount(stack: Stack, invoice_id: str) -> Decimal:
    async with stack.sessions() as session:
        amount = await session.scalar(
            select(Invoice.open_amount).where(Invoice.id == uuid.UUID(invoice_id))
        )
    assert amount is not None
    return amount


async def test_allocation_is_the_registered_applier() -> None:
    assert isinstance(payment_applier(), AllocatingApplier)


async def test_a_webhook_payment_is_applied_once_however_often_it_is_delivered(
    stack: Stack,
) -> None:
    invoice = await issue(stack, "100.00")
    payment_id = f"pay_{uuid.uuid4().hex[:8]}"

    await deliver(stack, payment_id, "60.00", invoice["number"])
    await deliver(stack, payment_id, "60.00", invoice["number"])  # the sender retries
    await work(stack)
    await work(stack)

    assert await open_amount(stack, invoice["id"]) == Decimal("40.00")
    async with stack.sessions() as session:
        stored = await session.scalar(
            select(func.count())
            .select_from(Payment)
            .where(Payment.source_key == f"webhook:bank-standard:{payment_id}")
        )
    assert stored == 1


async def test_a_payment_before_its_invoice_waits_and_is_applied_when_it_is_issued(
    stack: Stack,
) -> None:
    probe = await issue(stack, "1.00")  # to learn the next number
    year, sequence = probe["number"].rsplit("-", 2)[1:]
    next_number = f"INV-{year}-{int(sequence) + 1:06d}"
    payment_id = f"pay_{uuid.uuid4().hex[:8]}"

    await deliver(stack, payment_id, "75.00", next_number)
    await work(stack)
    async with stack.sessions() as session:
        state, reason = (
            await session.execute(
                select(WebhookDelivery.state, WebhookDelivery.reason).where(
                    WebhookDelivery.event_id == f"msg_{payment_id}"
                )
            )
        ).one()
    assert (state, "not known yet" in (reason or "")) == ("parked", True)

    invoice = await issue(stack, "75.00")
    assert invoice["number"] == next_number
    stack.clock.advance(timedelta(seconds=RETRY_SECONDS + 1))
    await work(stack)

    assert await open_amount(stack, invoice["id"]) == Decimal("0.00")


async def test_a_payment_whose_invoices_never_come_goes_to_the_unmatched_queue(
    stack: Stack,
) -> None:
    payment_id = f"pay_{uuid.uuid4().hex[:8]}"
    await deliver(stack, payment_id, "75.00", "INV-2099-999999")  # a typo: never issued
    await work(stack)

    stack.clock.advance(timedelta(days=WAIT_FOR_INVOICES_DAYS + 1))
    await work(stack)

    async with stack.sessions() as session:
        state = await session.scalar(
            select(WebhookDelivery.state).where(WebhookDelivery.event_id == f"msg_{payment_id}")
        )
    assert state == "applied"  # the delivery is done; the payment waits for a person
    unmatched = await stack.client.get("/v1/payments/unmatched")
    assert any(
        item["amount"] == "75.00" and item["state"] == "unmatched"
        for item in unmatched.json()["items"]
    ), unmatched.text


async def test_a_delivery_that_fails_in_a_batch_is_parked_and_the_others_are_applied(
    stack: Stack,
) -> None:
    huge = "9999999999999990.00"  # the most a payment may be
    owner = await issue(stack, "10.00")
    plain = await issue(stack, "30.00")
    ids = [f"pay_{uuid.uuid4().hex[:8]}" for _ in range(3)]
    await deliver(stack, ids[0], huge, owner["number"])
    # Nothing left to pay: all of it goes on the credit balance, which cannot hold both.
    await deliver(stack, ids[1], huge, owner["number"])
    await deliver(stack, ids[2], "30.00", plain["number"])

    await work(stack)  # one batch: it fails whole, then runs one delivery at a time

    async with stack.sessions() as session:
        settled = dict(
            (
                await session.execute(
                    select(WebhookDelivery.event_id, WebhookDelivery.state).where(
                        WebhookDelivery.event_id.in_([f"msg_{i}" for i in ids])
                    )
                )
            ).all()
        )
        stored = await session.scalar(
            select(func.count())
            .select_from(Payment)
            .where(Payment.source_key.in_([f"webhook:bank-standard:{i}" for i in ids]))
        )
    assert [settled[f"msg_{i}"] for i in ids] == ["applied", "parked", "applied"]
    assert stored == 2
    assert await open_amount(stack, owner["id"]) == Decimal("0.00")
    assert await open_amount(stack, plain["id"]) == Decimal("0.00")
