"""Payments racing each other over real connections, each committing on its own: an invoice is
never paid more than it owes, and one bank entry delivered twice at once is applied once.

These tests commit, so they run in a database of their own (not the rolled-back test one)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import httpx
import pytest_asyncio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from invoicing.definition import SERVICE
from invoicing.invoices.models import Invoice
from invoicing.payments.models import CreditBalance, Payment, PaymentAllocation, PaymentSource
from invoicing.payments.service import IncomingPayment, receive_payment
from invoicing.testing import create_known_customer
from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.clock import ManualClock
from receivables_shared.db.engine import create_engine
from receivables_shared.http.app import create_app
from receivables_shared.testing.service import (
    TEST_START,
    database_name_for_tests,
    fresh_database,
    settings_for_tests,
)


@dataclass
class Committed:
    engine: AsyncEngine
    client: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]
    clock: ManualClock


@pytest_asyncio.fixture(scope="module")
async def committed(postgres_server_url: str) -> AsyncIterator[Committed]:
    url = await fresh_database(
        SERVICE, postgres_server_url, database_name_for_tests(SERVICE, "payrace")
    )
    engine = create_engine(url, pool_size=6)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions.begin() as session:
        issued = await issue_api_key(session, name="race", scopes=[Scope.ADMIN])
    clock = ManualClock(TEST_START)
    app = create_app(SERVICE, settings_for_tests(SERVICE, url, "127.0.0.1:1"), clock=clock)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {issued.secret}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://test", headers=headers
    ) as client:
        yield Committed(engine, client, sessions, clock)
    await app.state.engine.dispose()
    await engine.dispose()


async def _customer_with_invoice(committed: Committed, gross: str) -> tuple[uuid.UUID, str]:
    async with committed.sessions.begin() as session:
        customer_id = await create_known_customer(session)
    line = {"description": "Work", "quantity": "1", "unit_price": gross}
    response = await committed.client.post(
        "/v1/invoices",
        json={"customer_id": str(customer_id), "currency": "EUR", "lines": [line]},
    )
    assert response.status_code == 201, response.text
    return customer_id, response.json()["id"]


async def test_payments_racing_on_one_invoice_never_over_apply(committed: Committed) -> None:
    customer_id, invoice_id = await _customer_with_invoice(committed, "100.00")

    async def pay(amount: str) -> httpx.Response:
        return await committed.client.post(
            "/v1/payments",
            json={
                "customer_id": str(customer_id),
                "amount": amount,
                "currency": "EUR",
                "invoice_ids": [invoice_id],
            },
        )

    responses = await asyncio.gather(*(pay("30.00") for _ in range(5)))

    assert [r.status_code for r in responses] == [201] * 5, [r.text for r in responses]
    async with committed.sessions() as session:
        invoice = await session.get(Invoice, uuid.UUID(invoice_id))
        assert invoice is not None
        applied = await session.scalar(
            select(func.sum(PaymentAllocation.amount)).where(
                PaymentAllocation.invoice_id == invoice.id
            )
        )
        balance = await session.scalar(
            select(CreditBalance.balance).where(CreditBalance.customer_id == customer_id)
        )
        unapplied = await session.scalar(
            select(func.sum(Payment.unapplied_amount)).where(Payment.customer_id == customer_id)
        )
    assert (invoice.open_amount, invoice.state) == (Decimal("0.00"), "paid")
    assert applied == Decimal("100.00")
    # 150 paid: 100 applied, 50 on the credit balance, and the balance is the payments' rest.
    assert balance == unapplied == Decimal("50.00")


async def test_one_bank_entry_delivered_twice_at_once_is_applied_once(
    committed: Committed,
) -> None:
    customer_id, invoice_id = await _customer_with_invoice(committed, "100.00")
    async with committed.sessions() as session:
        rf = await session.scalar(
            select(Invoice.rf_reference).where(Invoice.id == uuid.UUID(invoice_id))
        )
    key = f"LV80BANK0000435195001:{uuid.uuid4()}"

    async def deliver() -> bool:
        async with committed.sessions.begin() as session:
            _, created = await receive_payment(
                session,
                committed.clock,
                IncomingPayment(
                    source=PaymentSource.BANK_STATEMENT,
                    source_key=key,
                    amount=Decimal("40.00"),
                    currency="EUR",
                    received_on=date(2026, 3, 2),
                    reference=rf,
                ),
            )
            return created

    created = await asyncio.gather(deliver(), deliver())

    assert sorted(created) == [False, True]
    async with committed.sessions() as session:
        invoice = await session.get(Invoice, uuid.UUID(invoice_id))
        payments = await session.scalar(
            select(func.count()).select_from(Payment).where(Payment.source_key == key)
        )
    assert invoice is not None
    assert (invoice.open_amount, payments) == (Decimal("60.00"), 1)
    assert invoice.customer_id == customer_id
