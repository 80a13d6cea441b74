"""GET /v1/customers/{id}/exposure: what a credit controller sees of a customer's exposure."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from credit_policy.exposure.consumers import on_invoice_issued, on_open_amount_changed
from receivables_shared.clock import ManualClock
from receivables_shared.events import InvoiceIssued, PaymentApplied
from receivables_shared.testing.events import create_invoice_issued, handler_context

CreditCustomer = Callable[..., Awaitable[uuid.UUID]]


async def test_exposure_is_open_receivables_plus_active_reservations(
    client: httpx.AsyncClient,
    session: AsyncSession,
    clock: ManualClock,
    credit_customer: CreditCustomer,
) -> None:
    customer_id = await credit_customer("5000.00")
    invoice = create_invoice_issued(customer_id, total="1200.50", due_date=date(2026, 4, 1))
    await on_invoice_issued(session, invoice, handler_context(clock, InvoiceIssued))
    paid = PaymentApplied(
        customer_id=customer_id,
        payment_id=uuid.uuid4(),
        invoice_id=invoice.invoice_id,
        currency="EUR",
        amount=Decimal("200.50"),
        applied_on=date(2026, 3, 10),
        open_amount=Decimal("1000.00"),
        days_late=0,
    )
    await on_open_amount_changed(session, paid, handler_context(clock, PaymentApplied))
    check = {
        "customer_id": str(customer_id),
        "amount": "300.00",
        "currency": "EUR",
        "order_reference": "SO-7",
        "reserve": True,
    }
    assert (await client.post("/v1/credit-checks", json=check)).json()["decision"] == "approved"

    response = await client.get(f"/v1/customers/{customer_id}/exposure")

    assert response.status_code == 200
    assert response.json() == {
        "customer_id": str(customer_id),
        "currencies": [
            {
                "currency": "EUR",
                "open_receivables": "1000.00",
                "reserved": "300.00",
                "exposure": "1300.00",
                "oldest_open_due_date": "2026-04-01",
            }
        ],
    }


async def test_a_customer_with_nothing_open_has_no_exposure_and_an_unknown_one_is_404(
    client: httpx.AsyncClient, credit_customer: CreditCustomer
) -> None:
    customer_id = await credit_customer("5000.00")

    quiet = await client.get(f"/v1/customers/{customer_id}/exposure")
    unknown = await client.get(f"/v1/customers/{uuid.uuid4()}/exposure")

    assert quiet.json()["currencies"] == []
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
