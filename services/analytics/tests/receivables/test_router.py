import json

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from analytics.definition import SERVICE
from analytics.receivables.consumers import on_invoice_issued
from receivables_shared.auth.keys import Scope
from receivables_shared.clock import ManualClock
from receivables_shared.testing.events import create_invoice_issued, handler_context
from receivables_shared.testing.helpers import api_key_headers
from receivables_shared.testing.movements import (
    deliver,
    payment_applied,
    realistic_history,
    reversed_discount_history,
)


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


async def test_balance_of_one_customer_is_the_books_per_currency(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    history = realistic_history()
    for event in history.events:
        await deliver(SERVICE, session, clock, event)
    other = create_invoice_issued(total="99.99")
    await deliver(SERVICE, session, clock, other)

    response = await client.get(
        "/v1/receivables/balance", params={"customer_id": str(history.customer_id)}
    )

    assert response.status_code == 200
    assert json.loads(response.text, parse_float=reject_floats) == {
        "balances": [
            {"currency": currency, **figures, "balanced": True}
            for currency, figures in sorted(history.books.items())
        ]
    }


async def test_balance_without_a_customer_adds_up_every_customer(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    for history in (realistic_history(), realistic_history()):
        for event in history.events:
            await deliver(SERVICE, session, clock, event)
    lone = create_invoice_issued(total="0.05")
    await deliver(SERVICE, session, clock, lone)
    await deliver(SERVICE, session, clock, payment_applied(lone, "0.02", open_amount="0.03"))

    response = await client.get("/v1/receivables/balance")

    eur, kwd = response.json()["balances"]
    assert {key: eur[key] for key in ("invoiced", "paid", "open", "balanced")} == {
        "invoiced": "5912.15",  # 2 x 2956.05 + 0.05
        "paid": "4377.02",  # 2 x 2188.50 + 0.02
        "open": "700.03",  # 2 x 350.00 + 0.03
        "balanced": True,
    }
    assert (kwd["currency"], kwd["open"], kwd["balanced"]) == ("KWD", "10.126", True)


async def test_invoiced_totals_still_count_every_issued_invoice(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    history = realistic_history()
    for event in history.events:
        await deliver(SERVICE, session, clock, event)

    response = await client.get("/v1/receivables/invoiced")

    assert response.json() == {
        "totals": [
            {"currency": "EUR", "invoices": 6, "invoiced": "2956.05"},
            {"currency": "KWD", "invoices": 1, "invoiced": "10.125"},
        ]
    }


async def test_balance_with_a_malformed_customer_id_is_a_422_naming_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/receivables/balance", params={"customer_id": "42"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "customer_id"


async def test_balance_needs_a_key_and_a_read_key_is_enough(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    read_only = await api_key_headers(session, Scope.READ)

    missing = await client.get("/v1/receivables/balance", headers={"Authorization": ""})
    allowed = await client.get("/v1/receivables/balance", headers=read_only)

    assert (missing.status_code, allowed.status_code) == (401, 200)
    assert allowed.json() == {"balances": []}


async def test_a_reversed_discounted_payment_takes_the_discount_back_not_more_cash(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    history = reversed_discount_history()
    for event in history.events:
        await deliver(SERVICE, session, clock, event)
    session.expunge_all()

    response = await client.get(f"/v1/receivables/balance?customer_id={history.customer_id}")

    # Paid 98 then -98, discount 2 then -2: not paid -2 beside a discount of 2.
    assert [
        {key: b[key] for key in (*history.books["EUR"], "balanced")}
        for b in response.json()["balances"]
    ] == [{**history.books["EUR"], "balanced": True}]
