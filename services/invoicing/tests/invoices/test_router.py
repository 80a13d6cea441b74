import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.repository import KnownCustomerRepository
from invoicing.invoices.models import Invoice, InvoiceLine
from receivables_shared.auth.keys import Scope
from receivables_shared.events import InvoiceIssued
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.testing.helpers import api_key_headers
from receivables_shared.testing.service import TEST_START

LINE = {"description": "Consulting, February", "quantity": "2", "unit_price": "600.25"}


async def create_known_customer(session: AsyncSession, *, currency: str = "EUR") -> uuid.UUID:
    customer_id = uuid.uuid4()
    await KnownCustomerRepository(session).upsert(
        customer_id=customer_id, name="SIA Koks", language="lv", currency=currency
    )
    return customer_id


def invoice_body(customer_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    return {"customer_id": str(customer_id), "currency": "EUR", "lines": [LINE], **overrides}


async def outbox_events(session: AsyncSession) -> list[OutboxEvent]:
    return list((await session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))).all())


async def invoice_count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Invoice)) or 0


def error_fields(response: httpx.Response) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


async def test_issue_invoice_numbers_totals_and_dates_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)

    response = await client.post("/v1/invoices", json=invoice_body(customer_id))

    assert response.status_code == 201, response.text
    invoice = response.json()
    assert invoice["number"] == "INV-2026-000001"
    assert invoice["customer_id"] == str(customer_id)
    assert invoice["currency"] == "EUR"
    assert invoice["total"] == "1200.50"
    assert invoice["issue_date"] == "2026-03-02"
    assert invoice["due_date"] == "2026-04-01"
    [line] = invoice["lines"]
    assert (line["description"], line["unit_price"], line["net"], line["gross"]) == (
        "Consulting, February",
        "600.25",
        "1200.50",
        "1200.50",
    )
    assert Decimal(line["quantity"]) == Decimal(2)


async def test_issued_invoice_is_stored_with_its_lines(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)

    invoice = (await client.post("/v1/invoices", json=invoice_body(customer_id))).json()

    stored = await session.get(Invoice, uuid.UUID(invoice["id"]))
    assert stored is not None
    assert (stored.number, stored.total) == ("INV-2026-000001", Decimal("1200.50"))
    lines = (await session.scalars(select(InvoiceLine.gross))).all()
    assert lines == [Decimal("1200.50")]


async def test_second_invoice_gets_the_next_number(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    other_customer_id = await create_known_customer(session)

    first = await client.post("/v1/invoices", json=invoice_body(customer_id))
    second = await client.post("/v1/invoices", json=invoice_body(other_customer_id))

    assert (first.status_code, second.status_code) == (201, 201)
    assert [first.json()["number"], second.json()["number"]] == [
        "INV-2026-000001",
        "INV-2026-000002",
    ]


async def test_numbers_are_counted_per_issue_year(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)

    last_year = await client.post(
        "/v1/invoices", json=invoice_body(customer_id, issue_date="2025-12-31")
    )
    this_year = await client.post("/v1/invoices", json=invoice_body(customer_id))

    assert last_year.json()["number"] == "INV-2025-000001"
    assert last_year.json()["due_date"] == "2026-01-30"
    assert this_year.json()["number"] == "INV-2026-000001"


async def test_explicit_issue_date_and_payment_term_set_the_due_date(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)

    response = await client.post(
        "/v1/invoices",
        json=invoice_body(customer_id, issue_date="2026-03-10", payment_term_days=14),
    )

    assert response.status_code == 201, response.text
    assert (response.json()["issue_date"], response.json()["due_date"]) == (
        "2026-03-10",
        "2026-03-24",
    )


async def test_explicit_due_date_wins_over_the_payment_term(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)

    response = await client.post(
        "/v1/invoices", json=invoice_body(customer_id, due_date="2026-03-02", payment_term_days=60)
    )

    assert response.status_code == 201, response.text
    assert (response.json()["issue_date"], response.json()["due_date"]) == (
        "2026-03-02",
        "2026-03-02",
    )


async def test_line_amounts_are_rounded_half_up_to_cents_and_the_total_is_their_sum(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    lines = [
        {"description": "Hours", "quantity": "1.5", "unit_price": "10.01"},  # 15.015
        {"description": "Half a widget", "quantity": "0.5", "unit_price": "0.25"},  # 0.125
    ]

    response = await client.post("/v1/invoices", json=invoice_body(customer_id, lines=lines))

    assert response.status_code == 201, response.text
    invoice = response.json()
    assert [line["net"] for line in invoice["lines"]] == ["15.02", "0.13"]
    assert invoice["total"] == "15.15"


async def test_issue_invoice_records_invoice_issued_in_the_outbox(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)

    response = await client.post(
        "/v1/invoices", json=invoice_body(customer_id), headers={"X-Request-ID": "req-42"}
    )

    invoice = response.json()
    events = await outbox_events(session)
    assert [(e.event_type, e.topic, e.partition_key) for e in events] == [
        ("receivables.InvoiceIssued.v1", "invoicing.events", str(customer_id))
    ]
    event = events[0]
    assert (
        event.payload.items()
        >= {
            "customer_id": str(customer_id),
            "invoice_id": invoice["id"],
            "number": "INV-2026-000001",
            "currency": "EUR",
            "total": "1200.50",
            "issue_date": "2026-03-02",
            "due_date": "2026-04-01",
        }.items()
    )
    assert InvoiceIssued.model_validate(event.payload).total == Decimal("1200.50")
    assert (event.source, event.occurred_at, event.correlation_id) == (
        "/invoicing",
        TEST_START,
        "req-42",
    )
    assert event.published_at is None


async def test_unknown_customer_is_a_422_problem_and_writes_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = uuid.uuid4()

    response = await client.post("/v1/invoices", json=invoice_body(customer_id))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["field"] == "customer_id"
    assert str(customer_id) in problem["detail"]
    assert await invoice_count(session) == 0
    assert await outbox_events(session) == []


async def test_due_date_before_issue_date_is_a_422_problem_and_uses_no_number(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)

    response = await client.post(
        "/v1/invoices",
        json=invoice_body(customer_id, issue_date="2026-03-10", due_date="2026-03-09"),
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert error_fields(response) == ["due_date"]
    assert await invoice_count(session) == 0
    assert await outbox_events(session) == []
    following = await client.post("/v1/invoices", json=invoice_body(customer_id))
    assert following.json()["number"] == "INV-2026-000001"


async def test_unit_price_with_three_decimals_is_rejected_naming_the_line(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    lines = [LINE, {"description": "Fraction of a cent", "unit_price": "10.005"}]

    response = await client.post("/v1/invoices", json=invoice_body(customer_id, lines=lines))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert error_fields(response) == ["lines[1].unit_price"]
    assert "lines[1].unit_price" in response.json()["detail"]
    assert await invoice_count(session) == 0


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"description": "x", "unit_price": 0.1}, "lines[0].unit_price"),
        ({"description": "x", "unit_price": 600}, "lines[0].unit_price"),
        ({"description": "x", "unit_price": "0.10", "quantity": 3}, "lines[0].quantity"),
        ({"description": "x", "unit_price": "0.10", "quantity": 1.5}, "lines[0].quantity"),
    ],
    ids=["float-price", "integer-price", "integer-quantity", "float-quantity"],
)
async def test_a_json_number_is_refused_asking_for_a_decimal_string(
    client: httpx.AsyncClient, session: AsyncSession, line: dict[str, object], field: str
) -> None:
    customer_id = await create_known_customer(session)

    response = await client.post("/v1/invoices", json=invoice_body(customer_id, lines=[line]))

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == (field, "body")
    assert error["message"].startswith("send it as a decimal string")
    assert await invoice_count(session) == 0
    assert await outbox_events(session) == []


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({"description": "x", "unit_price": "-0.01"}, "lines[0].unit_price"),
        ({"description": "x", "unit_price": "NaN"}, "lines[0].unit_price"),
        ({"description": "x", "unit_price": "1.00", "quantity": "0"}, "lines[0].quantity"),
        ({"description": "x", "unit_price": "1.00", "quantity": "0.00001"}, "lines[0].quantity"),
        ({"description": "   ", "unit_price": "1.00"}, "lines[0].description"),
        ({"description": "x"}, "lines[0].unit_price"),
        ({"description": "x", "unit_price": "1.00", "vat": "0.21"}, "lines[0].vat"),
    ],
    ids=[
        "negative-price",
        "nan-price",
        "zero-quantity",
        "five-decimal-quantity",
        "blank-description",
        "missing-price",
        "unknown-field",
    ],
)
async def test_invalid_line_is_rejected_naming_its_field(
    client: httpx.AsyncClient, session: AsyncSession, line: dict[str, str], field: str
) -> None:
    customer_id = await create_known_customer(session)

    response = await client.post("/v1/invoices", json=invoice_body(customer_id, lines=[line]))

    assert response.status_code == 422
    assert error_fields(response) == [field]


async def test_empty_lines_are_rejected(client: httpx.AsyncClient, session: AsyncSession) -> None:
    customer_id = await create_known_customer(session)

    response = await client.post("/v1/invoices", json=invoice_body(customer_id, lines=[]))

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert error_fields(response) == ["lines"]
    assert await invoice_count(session) == 0


@pytest.mark.parametrize("currency", ["EURO", "eur", "XAU", "ZZZ"])
async def test_bad_currency_is_rejected(
    client: httpx.AsyncClient, session: AsyncSession, currency: str
) -> None:
    customer_id = await create_known_customer(session)

    response = await client.post("/v1/invoices", json=invoice_body(customer_id, currency=currency))

    assert response.status_code == 422
    assert error_fields(response) == ["currency"]
    assert await outbox_events(session) == []


async def test_total_cannot_be_set_by_the_client(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)

    response = await client.post("/v1/invoices", json=invoice_body(customer_id, total="1.00"))

    assert response.status_code == 422
    assert error_fields(response) == ["total"]


async def test_get_invoice_returns_its_lines_in_order(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    lines = [
        {"description": "First", "quantity": "1", "unit_price": "100.00"},
        {"description": "Second", "quantity": "3", "unit_price": "0.10"},
        {"description": "Third", "unit_price": "5.55"},
    ]
    created = (
        await client.post("/v1/invoices", json=invoice_body(customer_id, lines=lines))
    ).json()
    session.expunge_all()  # read back from the database, as a later request would

    response = await client.get(f"/v1/invoices/{created['id']}")

    assert response.status_code == 200
    invoice = response.json()
    assert (invoice["id"], invoice["number"], invoice["total"]) == (
        created["id"],
        "INV-2026-000001",
        "105.85",
    )
    assert [
        (line["description"], line["unit_price"], line["net"]) for line in invoice["lines"]
    ] == [
        ("First", "100.00", "100.00"),
        ("Second", "0.10", "0.30"),
        ("Third", "5.55", "5.55"),
    ]
    assert [Decimal(line["quantity"]) for line in invoice["lines"]] == [1, 3, 1]


async def test_get_returns_the_invoice_exactly_as_post_returned_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    lines = [{"description": "Widgets", "quantity": "2", "unit_price": "1E+2"}]
    created = (
        await client.post("/v1/invoices", json=invoice_body(customer_id, lines=lines))
    ).json()
    session.expunge_all()

    response = await client.get(f"/v1/invoices/{created['id']}")

    assert response.json() == created


@pytest.mark.parametrize(
    "quantity", ["1000", "99999999999999"], ids=["numeric-overflow", "decimal-context-overflow"]
)
async def test_line_amount_too_large_to_store_is_a_422_problem(
    client: httpx.AsyncClient, session: AsyncSession, quantity: str
) -> None:
    customer_id = await create_known_customer(session)
    lines = [{"description": "Too much", "quantity": quantity, "unit_price": "9999999999999999.99"}]

    response = await client.post("/v1/invoices", json=invoice_body(customer_id, lines=lines))

    assert response.status_code == 422
    assert error_fields(response) == ["lines[0]"]


async def test_unknown_invoice_is_a_404_problem(client: httpx.AsyncClient) -> None:
    invoice_id = uuid.uuid4()

    response = await client.get(f"/v1/invoices/{invoice_id}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert (problem["status"], problem["instance"]) == (404, f"/v1/invoices/{invoice_id}")
    assert str(invoice_id) in problem["detail"]


async def test_malformed_invoice_id_is_a_422_naming_the_path_parameter(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/v1/invoices/not-a-uuid")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "invoice_id"
    assert response.json()["errors"][0]["location"] == "path"


async def test_missing_or_wrong_key_is_401(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)

    missing = await client.post(
        "/v1/invoices", json=invoice_body(customer_id), headers={"Authorization": ""}
    )
    wrong = await client.get(
        f"/v1/invoices/{uuid.uuid4()}", headers={"Authorization": "Bearer rk_nope_nope"}
    )

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["content-type"] == "application/problem+json"
    assert await invoice_count(session) == 0


async def test_read_only_key_can_read_but_cannot_issue(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    created = (await client.post("/v1/invoices", json=invoice_body(customer_id))).json()
    read_only = await api_key_headers(session, Scope.READ)

    reading = await client.get(f"/v1/invoices/{created['id']}", headers=read_only)
    issuing = await client.post("/v1/invoices", json=invoice_body(customer_id), headers=read_only)

    assert reading.status_code == 200
    assert issuing.status_code == 403
    assert issuing.headers["content-type"] == "application/problem+json"
    assert "write" in issuing.json()["detail"]
    assert await invoice_count(session) == 1
    assert len(await outbox_events(session)) == 1


async def test_retried_issue_with_the_same_idempotency_key_issues_one_invoice(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    headers = {"Idempotency-Key": "erp-7f3c"}

    first = await client.post("/v1/invoices", json=invoice_body(customer_id), headers=headers)
    retry = await client.post("/v1/invoices", json=invoice_body(customer_id), headers=headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.json()["number"] == "INV-2026-000001"
    assert await invoice_count(session) == 1
    assert len(await outbox_events(session)) == 1


async def test_failed_request_does_not_burn_its_idempotency_key(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    headers = {"Idempotency-Key": "erp-7f3d"}
    unknown = invoice_body(uuid.uuid4())

    refused = await client.post("/v1/invoices", json=unknown, headers=headers)
    await KnownCustomerRepository(session).upsert(
        customer_id=uuid.UUID(unknown["customer_id"]), name="Late", language="lv", currency="EUR"
    )
    accepted = await client.post("/v1/invoices", json=unknown, headers=headers)

    assert (refused.status_code, accepted.status_code) == (422, 201)
    assert await invoice_count(session) == 1
    assert customer_id != uuid.UUID(unknown["customer_id"])
