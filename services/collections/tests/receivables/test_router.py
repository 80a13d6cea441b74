import json
import uuid
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from collection.definition import SERVICE
from collection.receivables.consumers import on_invoice_issued
from receivables_shared.auth.keys import Scope
from receivables_shared.clock import ManualClock
from receivables_shared.events import InvoiceIssued
from receivables_shared.testing.events import create_invoice_issued, handler_context
from receivables_shared.testing.helpers import api_key_headers
from receivables_shared.testing.movements import (
    deliver,
    due_date_extended,
    late_fee,
    overdue,
    payment_applied,
    realistic_history,
    reversed_discount_history,
)
from receivables_shared.testing.pagination import (
    assert_bad_cursors_are_422_naming_cursor,
    assert_limit_is_bounded,
    page_through,
)


async def create_receivable(
    session: AsyncSession,
    clock: ManualClock,
    customer_id: uuid.UUID,
    *,
    number: str,
    due_date: date,
    total: str = "100.00",
) -> InvoiceIssued:
    """Open a receivable the way production does: by handling InvoiceIssued."""
    event = create_invoice_issued(customer_id, number=number, total=total, due_date=due_date)
    await on_invoice_issued(session, event, handler_context(clock))
    await session.flush()  # what the consumer's unit of work does before it commits
    return event


async def test_receivables_of_a_customer_are_listed_by_due_date(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    late = await create_receivable(
        session, clock, customer_id, number="INV-2026-000001", due_date=date(2026, 5, 1)
    )
    early = await create_receivable(
        session,
        clock,
        customer_id,
        number="INV-2026-000002",
        due_date=date(2026, 3, 15),
        total="1200.50",
    )
    middle = await create_receivable(
        session, clock, customer_id, number="INV-2026-000003", due_date=date(2026, 4, 1)
    )
    session.expunge_all()  # read back from the database, as a later request would
    clock.set(datetime(2026, 3, 2, 9, tzinfo=UTC))

    response = await client.get(f"/v1/customers/{customer_id}/receivables")

    assert response.status_code == 200
    assert response.json()["next_cursor"] is None
    assert response.json()["items"] == [
        {
            "invoice_id": str(early.invoice_id),
            "customer_id": str(customer_id),
            "number": "INV-2026-000002",
            "currency": "EUR",
            "amount_due": "1200.50",
            "open_amount": "1200.50",
            "state": "open",
            "due_date": "2026-03-15",
            "overdue": False,
            "overdue_on": None,
            "days_overdue": 0,
        },
        {
            "invoice_id": str(middle.invoice_id),
            "customer_id": str(customer_id),
            "number": "INV-2026-000003",
            "currency": "EUR",
            "amount_due": "100.00",
            "open_amount": "100.00",
            "state": "open",
            "due_date": "2026-04-01",
            "overdue": False,
            "overdue_on": None,
            "days_overdue": 0,
        },
        {
            "invoice_id": str(late.invoice_id),
            "customer_id": str(customer_id),
            "number": "INV-2026-000001",
            "currency": "EUR",
            "amount_due": "100.00",
            "open_amount": "100.00",
            "state": "open",
            "due_date": "2026-05-01",
            "overdue": False,
            "overdue_on": None,
            "days_overdue": 0,
        },
    ]


async def test_receivables_due_the_same_day_are_listed_by_number(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    for number in ("INV-2026-000009", "INV-2026-000002", "INV-2026-000005"):
        await create_receivable(
            session, clock, customer_id, number=number, due_date=date(2026, 4, 1)
        )

    response = await client.get(f"/v1/customers/{customer_id}/receivables")

    assert [r["number"] for r in response.json()["items"]] == [
        "INV-2026-000002",
        "INV-2026-000005",
        "INV-2026-000009",
    ]


async def test_another_customers_list_is_empty(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    await create_receivable(
        session, clock, uuid.uuid4(), number="INV-2026-000001", due_date=date(2026, 4, 1)
    )

    response = await client.get(f"/v1/customers/{uuid.uuid4()}/receivables")

    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


async def test_malformed_customer_id_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/customers/42/receivables")

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "customer_id"


async def test_missing_or_wrong_key_is_401(client: httpx.AsyncClient) -> None:
    path = f"/v1/customers/{uuid.uuid4()}/receivables"

    missing = await client.get(path, headers={"Authorization": ""})
    wrong = await client.get(path, headers={"Authorization": "Bearer rk_nope_nope"})

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["content-type"] == "application/problem+json"


async def test_read_only_key_can_list(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    await create_receivable(
        session, clock, customer_id, number="INV-2026-000001", due_date=date(2026, 4, 1)
    )
    read_only = await api_key_headers(session, Scope.READ)

    response = await client.get(f"/v1/customers/{customer_id}/receivables", headers=read_only)

    assert response.status_code == 200
    assert [r["number"] for r in response.json()["items"]] == ["INV-2026-000001"]


async def test_paging_returns_every_receivable_once_while_more_arrive(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    due_dates = [date(2026, 4, 1) + timedelta(days=(7 * n) % 30) for n in range(23)]
    before = [
        await create_receivable(session, clock, customer_id, number=f"INV-2026-{n:06d}", due_date=d)
        for n, d in enumerate(due_dates, start=1)
    ]
    arrived: list[InvoiceIssued] = []

    async def another_arrives() -> None:
        # Alternately before and after the page just read, as a concurrent consumer would.
        due = date(2026, 3, 1) if len(arrived) % 2 else date(2026, 6, 1)
        number = f"INV-2026-{100 + len(arrived):06d}"
        arrived.append(
            await create_receivable(session, clock, customer_id, number=number, due_date=due)
        )

    listed = await page_through(
        client, f"/v1/customers/{customer_id}/receivables", limit=5, between_pages=another_arrives
    )

    ids = [r["invoice_id"] for r in listed]
    assert len(ids) == len(set(ids)), "no receivable is listed twice"
    assert {str(e.invoice_id) for e in before} <= set(ids), "none that existed is missing"
    assert len(arrived) >= 4
    assert {str(e.invoice_id) for e in arrived if e.due_date.month == 6} <= set(ids)
    keys = [(r["due_date"], r["number"]) for r in listed]
    assert keys == sorted(keys)


async def test_a_page_holds_50_by_default_and_says_where_the_next_starts(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    for n in range(51):
        await create_receivable(
            session, clock, customer_id, number=f"INV-2026-{n:06d}", due_date=date(2026, 4, 1)
        )
    path = f"/v1/customers/{customer_id}/receivables"

    first = (await client.get(path)).json()
    second = (await client.get(path, params={"cursor": first["next_cursor"]})).json()

    assert len(first["items"]) == 50
    assert [r["number"] for r in second["items"]] == ["INV-2026-000050"]
    assert second["next_cursor"] is None


async def test_bad_cursor_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    await assert_bad_cursors_are_422_naming_cursor(
        client, f"/v1/customers/{uuid.uuid4()}/receivables", list_name="receivables", key_size=3
    )


async def test_limit_is_bounded(client: httpx.AsyncClient) -> None:
    await assert_limit_is_bounded(client, f"/v1/customers/{uuid.uuid4()}/receivables")


async def test_overdue_receivables_count_days_from_the_due_date_as_of_the_business_date(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    late = await create_receivable(
        session, clock, customer_id, number="INV-2026-000001", due_date=date(2026, 4, 1)
    )
    paid = await create_receivable(
        session, clock, customer_id, number="INV-2026-000002", due_date=date(2026, 4, 1)
    )
    await create_receivable(
        session, clock, customer_id, number="INV-2026-000003", due_date=date(2026, 6, 1)
    )
    for issued in (late, paid):
        await deliver(
            SERVICE, session, clock,
            overdue(issued, overdue_on=date(2026, 4, 2), open_amount="100.00"),
        )  # fmt: skip
    await deliver(SERVICE, session, clock, payment_applied(paid, "100.00", open_amount="0"))
    await deliver(SERVICE, session, clock, late_fee(late, "5.00", open_amount="105.00"))
    clock.set(datetime(2026, 4, 11, 9, tzinfo=UTC))

    response = await client.get(f"/v1/customers/{customer_id}/receivables")

    assert [
        (r["number"], r["open_amount"], r["state"], r["overdue"], r["overdue_on"],
         r["days_overdue"])
        for r in response.json()["items"]
    ] == [
        ("INV-2026-000001", "105.00", "open", True, "2026-04-02", 10),
        ("INV-2026-000002", "0.00", "closed", False, "2026-04-02", 0),
        ("INV-2026-000003", "100.00", "open", False, None, 0),
    ]  # fmt: skip


async def test_an_extended_due_date_restarts_the_count(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    issued = await create_receivable(
        session, clock, customer_id, number="INV-2026-000001", due_date=date(2026, 4, 1)
    )
    await deliver(
        SERVICE, session, clock,
        overdue(issued, overdue_on=date(2026, 4, 2), open_amount="100.00"),
    )  # fmt: skip
    await deliver(
        SERVICE, session, clock,
        due_date_extended(issued, due_date=date(2026, 5, 1), extended_on=date(2026, 4, 10)),
    )  # fmt: skip
    clock.set(datetime(2026, 4, 20, 9, tzinfo=UTC))

    before = (await client.get(f"/v1/customers/{customer_id}/receivables")).json()["items"][0]
    # Invoicing announces it overdue again once the new date has passed.
    await deliver(
        SERVICE, session, clock,
        overdue(issued, overdue_on=date(2026, 5, 2), open_amount="100.00"),
    )  # fmt: skip
    clock.set(datetime(2026, 5, 4, 9, tzinfo=UTC))
    after = (await client.get(f"/v1/customers/{customer_id}/receivables")).json()["items"][0]

    assert (before["due_date"], before["overdue"], before["days_overdue"]) == (
        "2026-05-01", False, 0,
    )  # fmt: skip
    assert (after["overdue"], after["overdue_on"], after["days_overdue"]) == (
        True, "2026-05-02", 3,
    )  # fmt: skip


async def test_balance_shows_the_books_per_currency_and_that_they_balance(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    history = realistic_history()
    for event in history.events:
        await deliver(SERVICE, session, clock, event)
    session.expunge_all()

    response = await client.get(f"/v1/customers/{history.customer_id}/balance")

    assert response.status_code == 200
    assert json.loads(response.text, parse_float=reject_floats) == {
        "customer_id": str(history.customer_id),
        "balances": [
            {"currency": currency, **figures, "balanced": True}
            for currency, figures in sorted(history.books.items())
        ],
    }


async def test_balance_says_when_the_books_do_not_balance(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    issued = await create_receivable(
        session, clock, customer_id, number="INV-2026-000001", due_date=date(2026, 4, 1)
    )
    # Invoicing says 30.00 is left after a payment of 50.00: an event in between was lost.
    await deliver(SERVICE, session, clock, payment_applied(issued, "50.00", open_amount="30.00"))

    response = await client.get(f"/v1/customers/{customer_id}/balance")

    [balance] = response.json()["balances"]
    assert (balance["invoiced"], balance["paid"], balance["open"], balance["balanced"]) == (
        "100.00", "50.00", "30.00", False,
    )  # fmt: skip


async def test_balance_of_an_unknown_customer_is_empty(client: httpx.AsyncClient) -> None:
    customer_id = uuid.uuid4()

    response = await client.get(f"/v1/customers/{customer_id}/balance")

    assert response.status_code == 200
    assert response.json() == {"customer_id": str(customer_id), "balances": []}


async def test_balance_needs_a_key_and_a_well_formed_id(client: httpx.AsyncClient) -> None:
    missing = await client.get(
        f"/v1/customers/{uuid.uuid4()}/balance", headers={"Authorization": ""}
    )
    malformed = await client.get("/v1/customers/42/balance")

    assert missing.status_code == 401
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["field"] == "customer_id"


def reject_floats(text: str) -> float:
    raise AssertionError(f"a float in the response: {text}")


async def test_a_reversed_discounted_payment_takes_the_discount_back_not_more_cash(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    history = reversed_discount_history()
    for event in history.events:
        await deliver(SERVICE, session, clock, event)
    session.expunge_all()

    response = await client.get(f"/v1/customers/{history.customer_id}/balance")

    # Paid 98 then -98, discount 2 then -2: not paid -2 beside a discount of 2.
    assert [
        {key: b[key] for key in (*history.books["EUR"], "balanced")}
        for b in response.json()["balances"]
    ] == [{**history.books["EUR"], "balanced": True}]
