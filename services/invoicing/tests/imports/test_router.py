"""POST /v1/imports/invoices through the app and real PostgreSQL: good files load with their
movements and events, a file with any bad row is refused whole with every bad row named."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.definition import SERVICE
from invoicing.imports.service import rf_reference_for
from invoicing.invoices.models import Invoice
from invoicing.ledger.models import InvoiceMovement
from invoicing.overdue.service import run_overdue_and_interest
from invoicing.testing import count, create_known_customer, give_terms, issue, outbox_events
from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.clock import ManualClock
from receivables_shared.events import CustomerCreated, InvoiceIssued, InvoiceOverdue
from receivables_shared.outbox.models import OutboxEvent
from receivables_shared.testing.events import handler_context

URL = "/v1/imports/invoices"
CSV = {"Content-Type": "text/csv"}
HEADER = (
    "number,customer_id,currency,issue_date,due_date,total,net_total,tax_total,paid_amount,"
    "order_reference"
)


def csv_file(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode()


async def imported(session: AsyncSession) -> dict[str, Invoice]:
    invoices = await session.scalars(select(Invoice).where(Invoice.imported))
    return {invoice.number: invoice for invoice in invoices}


async def test_a_csv_of_open_items_is_loaded_with_movements_and_events(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer = await create_known_customer(session)
    other = await create_known_customer(session, currency="JPY")
    body = csv_file(
        f"OLD-1001,{customer},EUR,2026-01-10,2026-02-09,121.00,100.00,21.00,,PO-7",
        f"OLD-1002,{customer},EUR,2026-02-01,2026-03-03,500.50,,,200.25,",
        f"R/2025/77,{other},JPY,2025-12-20,2026-01-19,15000,,,5000,",
    )

    response = await client.post(URL, content=body, headers=CSV)

    assert response.status_code == 201, response.text
    assert response.json() == {
        "imported": 3,
        "by_currency": [
            {"currency": "EUR", "invoices": 2, "total": "621.50", "open_amount": "421.25"},
            {"currency": "JPY", "invoices": 1, "total": "15000", "open_amount": "10000"},
        ],
    }
    stored = await imported(session)
    first, second, yen = stored["OLD-1001"], stored["OLD-1002"], stored["R/2025/77"]
    assert (first.open_amount, first.state, first.order_reference) == (
        Decimal(121),
        "issued",
        "PO-7",
    )
    assert (first.net_total, first.tax_total, first.series) == (Decimal(100), Decimal(21), "IMPORT")
    assert (second.open_amount, second.paid_amount, second.state) == (
        Decimal("300.25"),
        Decimal("200.25"),
        "partially_paid",
    )
    assert (second.net_total, second.tax_total) == (Decimal("500.50"), Decimal(0))
    assert yen.open_amount == 10000 and yen.rf_reference == rf_reference_for("R/2025/77")
    movements = (
        await session.scalars(
            select(InvoiceMovement)
            .where(InvoiceMovement.invoice_id == second.id)
            .order_by(InvoiceMovement.sequence)
        )
    ).all()
    assert [(m.kind, m.amount, m.open_amount_after, m.business_date) for m in movements] == [
        ("issue", Decimal("500.50"), Decimal("500.50"), date(2026, 2, 1)),
        ("paid_before_import", Decimal("-200.25"), Decimal("300.25"), date(2026, 3, 2)),
    ]
    events = {e.payload["number"]: e for e in await outbox_events(session, "InvoiceIssued")}
    assert InvoiceIssued.model_validate(events["OLD-1002"].payload) == InvoiceIssued(
        customer_id=customer,
        invoice_id=second.id,
        number="OLD-1002",
        currency="EUR",
        total=Decimal("500.50"),
        issue_date=date(2026, 2, 1),
        due_date=date(2026, 3, 3),
        rf_reference=second.rf_reference,
        net_total=Decimal("500.50"),
        tax_total=Decimal("0.00"),
        imported=True,
        paid_before_import=Decimal("200.25"),
    )
    assert events["R/2025/77"].payload["total"] == "15000"  # the currency's decimals
    assert events["R/2025/77"].partition_key == str(other)
    assert len(events) == 3


async def test_json_lines_are_loaded_too_and_go_overdue_with_the_customers_terms(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer = await create_known_customer(session)
    await give_terms(session, customer, late_interest_percent_per_month=Decimal(2),
                     interest_grace_days=0)  # fmt: skip
    lines = [
        {"number": "A-1", "customer_id": str(customer), "currency": "EUR",
         "issue_date": "2026-01-01", "due_date": "2026-01-31", "total": "365.00"},
        {"number": "A-2", "customer_id": str(customer), "currency": "EUR",
         "issue_date": "2026-02-01", "due_date": "2026-04-30", "total": "10.00",
         "paid_amount": "5.00"},
    ]  # fmt: skip
    body = "\n".join(json.dumps(line) for line in lines).encode()

    clock.set(datetime(2026, 2, 10, 9, tzinfo=UTC))  # the day the ledger is taken over
    response = await client.post(
        URL, content=body, headers={"Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 201, response.text
    clock.set(datetime(2026, 3, 2, 9, tzinfo=UTC))
    run = await run_overdue_and_interest(session, clock)

    assert (run.newly_overdue, run.interest_charged) == (1, 1)
    [overdue] = await outbox_events(session, "InvoiceOverdue")
    assert InvoiceOverdue.model_validate(overdue.payload).number == "A-1"
    stored = await imported(session)
    # 365.00 x 2 % x 12 / 365 = 0.24 a day, from the import (2026-02-10) on: 20 days. The 10
    # days overdue before it were the previous ledger's to charge, not a lump on the first run.
    assert stored["A-1"].open_amount == Decimal("365.00") + Decimal("4.80")
    assert stored["A-1"].late_interest_percent_per_month == 2


async def test_a_file_with_bad_rows_is_refused_whole_naming_every_bad_row(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer = await create_known_customer(session)
    existing = await issue(client, customer)
    outbox_before = await count(session, OutboxEvent)
    body = csv_file(
        f"OK-1,{customer},EUR,2026-01-10,2026-02-09,121.00,,,,",  # line 2: good
        f"OK-2,{customer},EUR,2026-01-10,2026-01-09,121.005,,,,",  # 3: date, decimals
        f"OK-3,{uuid.uuid4()},EUR,2026-01-10,2026-02-09,10.00,,,,",  # 4: unknown customer
        f"OK-1,{customer},EUR,2026-01-10,2026-02-09,10.00,,,,",  # 5: same number as line 2
        f"{existing['number']},{customer},EUR,2026-01-10,2026-02-09,10.00,,,,",  # 6
        f"OK-7,{customer},USD,2026-01-10,2026-02-09,10.00,,,,",  # 7: not the customer's currency
        f"OK-8,{customer},EUR,2026-01-10,2026-02-09,10.00,,,10.00,",  # 8: nothing open
        f"OK-9,{customer},EUR,2026-01-10,2026-02-09,,,,,",  # 9: no total
        f"OK-10,{customer},EUR,2026-01-10,2026-02-09,10.00,9.00,2.00,,,extra",  # 10: one cell more
        "OK-11,not-a-uuid,EUR,2026-13-01,2026-02-09,abc,,,,",  # 11: three fields
        f"OK-12,{customer},EUR,2026-04-01,2026-04-09,10.00,9.00,,,",  # 12: future, net alone
    )

    response = await client.post(URL, content=body, headers=CSV)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["detail"].startswith("10 of 11 rows are bad; nothing was imported")
    assert sorted(error["field"] for error in problem["errors"]) == sorted([
        "line[3].due_date", "line[3].total",
        "line[4].customer_id",
        "line[5].number",
        "line[6].number",
        "line[7].currency",
        "line[8].paid_amount",
        "line[9].total",
        "line[10].row",
        "line[11].customer_id", "line[11].issue_date", "line[11].total",
        "line[12].issue_date", "line[12].tax_total",
    ])  # fmt: skip
    assert await imported(session) == {}
    assert await count(session, OutboxEvent) == outbox_before


async def test_malformed_files_are_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer = await create_known_customer(session)
    row = f"X-1,{customer},EUR,2026-01-10,2026-02-09,121.00,,,,"

    wrong_type = await client.post(
        URL, content=csv_file(row), headers={"Content-Type": "application/json"}
    )
    bad_header = await client.post(URL, content=b"number,customer,total\nX,1,2", headers=CSV)
    not_utf8 = await client.post(URL, content="número\n".encode("latin-1"), headers=CSV)
    empty = await client.post(URL, content=HEADER.encode(), headers=CSV)
    bad_json = await client.post(
        URL, content=b'{"number": "X"\n[1]', headers={"Content-Type": "application/x-ndjson"}
    )

    assert (wrong_type.status_code, wrong_type.json()["errors"][0]["field"]) == (
        415,
        "Content-Type",
    )
    assert (bad_header.status_code, bad_header.json()["errors"][0]["field"]) == (422, "header")
    assert (not_utf8.status_code, not_utf8.json()["errors"][0]["field"]) == (422, "file")
    assert (empty.status_code, empty.json()["errors"][0]["field"]) == (422, "file")
    assert bad_json.status_code == 422
    assert [e["field"] for e in bad_json.json()["errors"]] == ["line[1].row", "line[2].row"]
    assert await imported(session) == {}


async def test_the_import_needs_the_write_scope_and_replays_a_retry(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer = await create_known_customer(session)
    body = csv_file(f"K-1,{customer},EUR,2026-01-10,2026-02-09,121.00,,,,")
    reader = await issue_api_key(session, name="reports", scopes=[Scope.READ])

    refused = await client.post(
        URL, content=body, headers={**CSV, "Authorization": f"Bearer {reader.secret}"}
    )
    first = await client.post(URL, content=body, headers={**CSV, "Idempotency-Key": "load-1"})
    retry = await client.post(URL, content=body, headers={**CSV, "Idempotency-Key": "load-1"})

    assert refused.status_code == 403
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert len(await imported(session)) == 1


async def test_a_file_larger_than_a_statement_can_bind_loads(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """More rows than PostgreSQL's 32,767 bind parameters: every look-up binds one array."""
    customer = await create_known_customer(session)
    rows = 33_000
    body = csv_file(*(f"L-{n},{customer},EUR,2026-01-10,2026-02-09,10.00,,,," for n in range(rows)))

    response = await client.post(URL, content=body, headers=CSV)

    assert response.status_code == 201, response.text[:500]
    assert response.json()["imported"] == rows
    assert await count(session, InvoiceMovement) == rows
    assert len(await outbox_events(session, "InvoiceIssued")) == rows


async def test_rows_may_name_the_customer_by_the_callers_external_id(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    """The previous ledger knows its customers by its own ids; credit-policy registered them
    with those as external_id, and CustomerCreated brought them here."""
    erp = CustomerCreated(
        customer_id=uuid.uuid4(),
        name="SIA Koks",
        country="LV",
        language="lv",
        currency="EUR",
        external_id="ERP-4711",
    )
    await SERVICE.handlers[CustomerCreated](session, erp, handler_context(clock, CustomerCreated))
    body = "\n".join(
        [
            "number,customer_external_id,currency,issue_date,due_date,total",
            "OLD-1,ERP-4711,EUR,2026-01-10,2026-02-09,121.00",
        ]
    ).encode()

    response = await client.post(URL, content=body, headers=CSV)

    assert response.status_code == 201, response.text
    assert (await imported(session))["OLD-1"].customer_id == erp.customer_id
    [event] = await outbox_events(session, "InvoiceIssued")
    assert event.partition_key == str(erp.customer_id)


async def test_a_customer_external_id_nobody_has_or_two_ways_to_name_it_are_bad_rows(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer = await create_known_customer(session)
    body = "\n".join(
        [
            "number,customer_id,customer_external_id,currency,issue_date,due_date,total",
            "X-1,,ERP-0000,EUR,2026-01-10,2026-02-09,10.00",
            f"X-2,{customer},ERP-0000,EUR,2026-01-10,2026-02-09,10.00",
            "X-3,,,EUR,2026-01-10,2026-02-09,10.00",
        ]
    ).encode()

    response = await client.post(URL, content=body, headers=CSV)

    assert response.status_code == 422, response.text
    assert sorted(e["field"] for e in response.json()["errors"]) == [
        "line[2].customer_external_id",
        "line[3].customer_id",
        "line[4].customer_id",
    ]
    assert await imported(session) == {}
