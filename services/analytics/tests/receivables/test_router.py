import json

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.receivables.consumers import on_invoice_issued
from receivables_shared.auth.keys import Scope
from receivables_shared.clock import ManualClock
from receivables_shared.testing.events import create_invoice_issued, handler_context
from receivables_shared.testing.helpers import api_key_headers


async def record_invoice(
    session: AsyncSession, clock: ManualClock, *, total: str, currency: str = "EUR"
) -> None:
    """Record a fact the way production does: by handling InvoiceIssued."""
    event = create_invoice_issued(total=total, currency=currency)
    await on_invoice_issued(session, event, handler_context(clock))


def reject_floats(text: str) -> float:
    raise AssertionError(f"a float in the response: {text}")


async def test_invoiced_totals_are_summed_per_currency_as_exact_strings(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    await record_invoice(session, clock, total="100.10")
    await record_invoice(session, clock, total="50.00", currency="BGN")
    await record_invoice(session, clock, total="200.20")  # 100.10 + 200.20 as floats: 300.29999...

    response = await client.get("/v1/receivables/invoiced")

    assert response.status_code == 200
    assert json.loads(response.text, parse_float=reject_floats) == {
        "totals": [
            {"currency": "BGN", "invoices": 1, "invoiced": "50.00"},
            {"currency": "EUR", "invoices": 2, "invoiced": "300.30"},
        ]
    }


async def test_no_invoices_means_no_totals(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/receivables/invoiced")

    assert response.status_code == 200
    assert response.json() == {"totals": []}


async def test_missing_or_wrong_key_is_401(client: httpx.AsyncClient) -> None:
    missing = await client.get("/v1/receivables/invoiced", headers={"Authorization": ""})
    wrong = await client.get(
        "/v1/receivables/invoiced", headers={"Authorization": "Bearer rk_nope_nope"}
    )

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["content-type"] == "application/problem+json"


async def test_read_only_key_can_read_totals(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    await record_invoice(session, clock, total="0.10")
    await record_invoice(session, clock, total="0.20")
    read_only = await api_key_headers(session, Scope.READ)

    response = await client.get("/v1/receivables/invoiced", headers=read_only)

    assert response.status_code == 200
    assert response.json()["totals"] == [{"currency": "EUR", "invoices": 2, "invoiced": "0.30"}]
