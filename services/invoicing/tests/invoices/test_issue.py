"""Issuing: the customer's currency, tax per line and rate, rounding in EUR, JPY and KWD, due
dates moved past weekends and public holidays (LV, BG, RU), RF references, InvoiceIssued."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.invoices.models import Invoice
from invoicing.invoices.references import is_valid_rf
from invoicing.ledger.models import InvoiceMovement
from invoicing.testing import (
    count,
    create_known_customer,
    error_fields,
    give_terms,
    invoice_body,
    issue,
    outbox_events,
)
from receivables_shared.events import InvoiceIssued
from receivables_shared.outbox.models import OutboxEvent


def line(price: str, quantity: str = "1", rate: str = "0", text: str = "Work") -> dict[str, str]:
    return {"description": text, "quantity": quantity, "unit_price": price, "tax_rate": rate}


async def assert_nothing_stored(session: AsyncSession) -> None:
    assert (
        await count(session, Invoice),
        await count(session, InvoiceMovement),
        await count(session, OutboxEvent),
    ) == (0, 0, 0)


async def test_tax_per_line_is_rounded_half_up_and_summed_per_rate(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    lines = [
        line("0.67", "1.5", "21"),  # net 1.005 -> 1.01; tax 0.2121 -> 0.21
        line("10.50", "1", "5"),  # tax 0.525 -> 0.53 (half-up, not half-even)
        line("100.00", "2", "21"),  # tax 42.00
    ]

    invoice = await issue(client, customer_id, lines=lines)

    assert [(x["net"], x["tax"], x["gross"]) for x in invoice["lines"]] == [
        ("1.01", "0.21", "1.22"),
        ("10.50", "0.53", "11.03"),
        ("200.00", "42.00", "242.00"),
    ]
    assert (invoice["net_total"], invoice["tax_total"], invoice["total"]) == (
        "211.51",
        "42.74",
        "254.25",
    )
    assert invoice["totals_per_rate"] == [
        {"tax_rate": "5", "net": "10.50", "tax": "0.53", "gross": "11.03"},
        {"tax_rate": "21", "net": "201.01", "tax": "42.21", "gross": "243.22"},
    ]
    assert (invoice["open_amount"], invoice["state"]) == ("254.25", "issued")


@pytest.mark.parametrize(
    ("currency", "item", "expected"),
    [
        ("JPY", line("101", "0.5", "9"), ("51", "5", "56")),  # 50.5 -> 51; 4.59 -> 5
        ("KWD", line("1.255", "1.5", "5"), ("1.883", "0.094", "1.977")),  # 1.8825; 0.09415
        ("EUR", line("1.255", "1.5", "5"), None),  # three decimals: not a EUR amount
        ("JPY", line("100.5"), None),
    ],
    ids=["jpy", "kwd", "eur-with-3-decimals", "jpy-with-decimals"],
)
async def test_amounts_follow_the_currency_minor_units(
    client: httpx.AsyncClient,
    session: AsyncSession,
    currency: str,
    item: dict[str, str],
    expected: tuple[str, str, str] | None,
) -> None:
    customer_id = await create_known_customer(session, currency=currency)

    response = await client.post(
        "/v1/invoices", json=invoice_body(customer_id, currency=currency, lines=[item])
    )

    if expected is None:
        assert response.status_code == 422, response.text
        assert error_fields(response) == ["lines[0].unit_price"]
        await assert_nothing_stored(session)
        return
    assert response.status_code == 201, response.text
    invoice = response.json()
    [priced] = invoice["lines"]
    assert (priced["net"], priced["tax"], priced["gross"]) == expected
    assert (invoice["total"], invoice["open_amount"]) == (expected[2], expected[2])


async def test_a_currency_other_than_the_customers_is_a_422_on_currency(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session, currency="EUR")

    response = await client.post("/v1/invoices", json=invoice_body(customer_id, currency="USD"))

    assert response.status_code == 422
    assert error_fields(response) == ["currency"]
    assert "EUR" in response.json()["detail"]
    await assert_nothing_stored(session)


@pytest.mark.parametrize("rate", ["7", "21.5", "-5", "100"])
async def test_a_tax_rate_not_in_the_settings_is_a_422_naming_the_line(
    client: httpx.AsyncClient, session: AsyncSession, rate: str
) -> None:
    customer_id = await create_known_customer(session)
    lines = [line("10.00", rate="21"), line("10.00", rate=rate)]

    response = await client.post("/v1/invoices", json=invoice_body(customer_id, lines=lines))

    assert response.status_code == 422
    assert error_fields(response) == ["lines[1].tax_rate"]
    await assert_nothing_stored(session)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"lines": [line("10.00", "-1")]}, "lines[0].quantity"),
        ({"lines": [line("0.00")]}, "lines"),
        ({"series": "CN"}, "series"),
        ({"series": "inv"}, "series"),
        ({"completed_at": "2026-03-02T12:00:00"}, "completed_at"),  # no offset
        ({"completed_at": "2026-03-03T09:00:00Z"}, "completed_at"),  # after issuing
        ({"order_reference": "x" * 101}, "order_reference"),
    ],
    ids=[
        "negative-quantity",
        "zero-total",
        "credit-note-series",
        "lowercase-series",
        "naive-completed-at",
        "future-completed-at",
        "long-order-reference",
    ],
)
async def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(
    client: httpx.AsyncClient, session: AsyncSession, overrides: dict[str, Any], field: str
) -> None:
    customer_id = await create_known_customer(session)

    response = await client.post("/v1/invoices", json=invoice_body(customer_id, **overrides))

    assert response.status_code == 422, response.text
    assert error_fields(response) == [field]
    await assert_nothing_stored(session)


@pytest.mark.parametrize(
    ("country", "issue_date", "due_date"),
    [
        ("LV", "2026-02-05", "2026-03-09"),  # Saturday 7 March -> Monday
        ("LV", "2026-04-04", "2026-05-05"),  # 4 May, Restoration of Independence
        ("LV", "2026-05-23", "2026-06-25"),  # 22 (day off), 23-24 June Midsummer
        ("BG", "2026-02-01", "2026-03-04"),  # 3 March, Liberation Day
        ("BG", "2026-03-11", "2026-04-14"),  # Orthodox Good Friday to Easter Monday
        ("RU", "2025-12-04", "2026-01-12"),  # New Year holidays to 11 January
        ("RU", "2026-01-24", "2026-02-24"),  # 23 February, Defender of the Fatherland
        ("LV", "2026-02-02", "2026-03-04"),  # a Wednesday stays
        (None, "2026-04-04", "2026-05-04"),  # no country known: weekends only
    ],
)
async def test_due_date_moves_past_weekends_and_the_countrys_holidays(
    client: httpx.AsyncClient,
    session: AsyncSession,
    country: str | None,
    issue_date: str,
    due_date: str,
) -> None:
    customer_id = await create_known_customer(session, country=country)

    invoice = await issue(client, customer_id, issue_date=issue_date)

    assert (invoice["due_date"], invoice["original_due_date"]) == (due_date, due_date)
    assert (invoice["payment_term_days"], invoice["business_day_rule"]) == (
        30,
        "next_business_day",
    )
    assert invoice["terms_source"] == "defaults"


async def test_terms_with_rule_none_keep_a_due_date_on_a_holiday(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session, country="LV")
    await give_terms(session, customer_id, payment_term_days=30, business_day_rule="none")

    invoice = await issue(client, customer_id, issue_date="2026-04-04")

    assert invoice["due_date"] == "2026-05-04"


async def test_an_explicit_due_date_is_taken_as_given_and_recorded(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session, country="LV")
    await give_terms(session, customer_id)

    invoice = await issue(client, customer_id, issue_date="2026-04-01", due_date="2026-05-04")

    assert (invoice["due_date"], invoice["payment_term_days"]) == ("2026-05-04", 33)
    assert invoice["terms_source"] == "request"


async def test_invoice_gets_a_valid_rf_reference_from_its_number(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)

    first = await issue(client, customer_id)
    second = await issue(client, customer_id, series="SRV")

    assert (first["number"], second["number"]) == ("INV-2026-000001", "SRV-2026-000001")
    assert first["rf_reference"] == "RF94INV2026000001"
    assert is_valid_rf(first["rf_reference"]) and is_valid_rf(second["rf_reference"])
    assert second["rf_reference"].endswith("SRV2026000001")


async def test_invoice_issued_carries_every_field(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    await give_terms(
        session,
        customer_id,
        early_payment_discount_percent=Decimal("2"),
        early_payment_discount_days=7,
    )

    invoice = await issue(
        client,
        customer_id,
        lines=[line("100.00", "2", "21"), line("50.00", "1", "9")],
        order_reference="PO-7781",
        completed_at="2026-03-01T16:30:00+02:00",
    )

    [event] = await outbox_events(session, "InvoiceIssued")
    issued = InvoiceIssued.model_validate(event.payload)
    assert issued == InvoiceIssued(
        customer_id=customer_id,
        invoice_id=uuid.UUID(invoice["id"]),
        number="INV-2026-000001",
        currency="EUR",
        total=Decimal("296.50"),
        issue_date=datetime(2026, 3, 2).date(),
        due_date=datetime(2026, 3, 16).date(),
        order_reference="PO-7781",
        rf_reference=invoice["rf_reference"],
        net_total=Decimal("250.00"),
        tax_total=Decimal("46.50"),
        line_count=2,
        completed_on=datetime(2026, 3, 1).date(),
        discount_until=datetime(2026, 3, 9).date(),
        discount_amount=Decimal("5.93"),
    )
    assert event.payload["total"] == "296.50"
    assert (invoice["issuing_system"], invoice["completed_at"]) == (
        "test",
        datetime(2026, 3, 1, 14, 30, tzinfo=UTC).isoformat().replace("+00:00", "Z"),
    )


async def test_completed_on_is_the_sellers_date_not_utcs(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)

    # 00:30 on 2 March in Riga is still 1 March in UTC.
    await issue(client, customer_id, completed_at="2026-03-01T22:30:00Z")

    [event] = await outbox_events(session, "InvoiceIssued")
    assert event.payload["completed_on"] == "2026-03-02"
