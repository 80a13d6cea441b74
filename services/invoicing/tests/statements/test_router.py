"""GET /v1/customers/{id}/statement: invoices issued through the API, payments and fees posted to
the real ledger, the statement read back as JSON, CSV and PDF."""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.repository import KnownCustomerRepository
from invoicing.documents.formatting import Formatter
from invoicing.documents.texts import texts_for
from invoicing.ledger.models import MovementKind
from invoicing.ledger.service import post_movement
from invoicing.payments.testing import issue_for, pay_by_hand
from invoicing.testing import create_known_customer, issue, stored_invoice
from receivables_shared.auth.keys import Scope
from receivables_shared.testing.helpers import api_key_headers

FEBRUARY = {"from": "2026-02-01", "to": "2026-02-28"}


@dataclass(frozen=True)
class History:
    customer_id: uuid.UUID
    january: dict[str, Any]  # issued 2026-01-10, before the period
    february: dict[str, Any]  # issued 2026-02-05, in it


async def post(
    session: AsyncSession, invoice_id: str, kind: MovementKind, amount: str, day: date
) -> None:
    invoice = await stored_invoice(session, invoice_id)
    await post_movement(
        session,
        invoice,
        kind=kind,
        amount=Decimal(amount),
        business_date=day,
        source_id=uuid.uuid4(),
    )


async def history(client: httpx.AsyncClient, session: AsyncSession) -> History:
    """January: an invoice of 1200.50 and a payment of 200. February: an invoice of 1200.50,
    a payment of 500.25 and a late fee of 12.34 on January's invoice. March: one more payment."""
    customer_id = await create_known_customer(session)
    january = await issue(client, customer_id, issue_date="2026-01-10")
    february = await issue(client, customer_id, issue_date="2026-02-05")
    await post(session, january["id"], MovementKind.PAYMENT, "-200", date(2026, 1, 20))
    await post(session, january["id"], MovementKind.PAYMENT, "-500.25", date(2026, 2, 10))
    await post(session, january["id"], MovementKind.LATE_FEE, "12.34", date(2026, 2, 20))
    await post(session, february["id"], MovementKind.PAYMENT, "-100", date(2026, 3, 1))
    return History(customer_id, january, february)


async def test_json_opening_movements_running_balance_and_closing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    past = await history(client, session)

    response = await client.get(f"/v1/customers/{past.customer_id}/statement", params=FEBRUARY)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-02-01", "2026-02-28")
    [eur] = body["currencies"]
    assert eur["currency"] == "EUR"
    assert eur["opening_balance"] == "1000.50"  # 1200.50 issued - 200 paid in January
    movements = [
        (m["business_date"], m["invoice_number"], m["kind"], m["amount"], m["balance"])
        for m in eur["movements"]
    ]
    assert movements == [
        ("2026-02-05", past.february["number"], "issue", "1200.50", "2201.00"),
        ("2026-02-10", past.january["number"], "payment", "-500.25", "1700.75"),
        ("2026-02-20", past.january["number"], "late_fee", "12.34", "1713.09"),
    ]
    assert eur["closing_balance"] == "1713.09"
    # closing = opening + the period's movements; March's payment is not in it.
    total = sum(Decimal(m["amount"]) for m in eur["movements"])
    assert Decimal(eur["closing_balance"]) == Decimal(eur["opening_balance"]) + total


async def test_consecutive_periods_chain_and_the_closing_is_what_is_open(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    past = await history(client, session)
    url = f"/v1/customers/{past.customer_id}/statement"

    january = (await client.get(url, params={"from": "2026-01-01", "to": "2026-01-31"})).json()
    february = (await client.get(url, params=FEBRUARY)).json()
    to_date = (await client.get(url, params={"from": "2026-01-01", "to": "2026-03-02"})).json()

    assert january["currencies"][0]["opening_balance"] == "0.00"
    assert january["currencies"][0]["closing_balance"] == "1000.50"
    assert february["currencies"][0]["opening_balance"] == "1000.50"
    # What the ledger says is open on both invoices today.
    open_now = sum(
        [
            (await stored_invoice(session, i["id"])).open_amount
            for i in (past.january, past.february)
        ],
        Decimal(0),
    )
    assert Decimal(to_date["currencies"][0]["closing_balance"]) == open_now == Decimal("1613.09")


async def test_csv_has_a_header_decimal_strings_and_framing_balances(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    past = await history(client, session)

    response = await client.get(
        f"/v1/customers/{past.customer_id}/statement", params={**FEBRUARY, "format": "csv"}
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == [
        "currency",
        "business_date",
        "invoice_number",
        "invoice_id",
        "kind",
        "amount",
        "balance",
    ]
    assert [(r["kind"], r["amount"], r["balance"]) for r in rows] == [
        ("opening_balance", "", "1000.50"),
        ("issue", "1200.50", "2201.00"),
        ("payment", "-500.25", "1700.75"),
        ("late_fee", "12.34", "1713.09"),
        ("closing_balance", "", "1713.09"),
    ]
    assert rows[1]["invoice_number"] == past.february["number"]
    assert rows[1]["invoice_id"] == past.february["id"]
    assert rows[0]["business_date"] == "2026-02-01" and rows[-1]["business_date"] == "2026-02-28"


async def test_pdf_opens_with_balances_and_movements_in_the_customers_language(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    past = await history(client, session)  # the customer's language is lv

    response = await client.get(
        f"/v1/customers/{past.customer_id}/statement", params={**FEBRUARY, "format": "pdf"}
    )

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join("".join(page.extract_text() for page in reader.pages).split())
    texts, fmt = texts_for("lv"), Formatter.for_language("lv")
    for label in ("statement_title", "opening_balance", "closing_balance", "kind.late_fee"):
        assert "".join(texts[label].split()) in text
    for amount in ("1000.50", "1713.09", "-500.25"):
        assert "".join(fmt.money(Decimal(amount), "EUR").split()) in text
    assert past.february["number"] in text
    assert "SIAReceivablesDemo" in text  # who issues it: the seller settings


async def test_each_currency_has_its_own_balances(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    # Bulgaria's currency became EUR on 2026-01-01: a customer with BGN and EUR invoices.
    customer_id = await create_known_customer(session, currency="BGN", country="BG")
    leva = await issue(client, customer_id, currency="BGN", issue_date="2025-12-10")
    await KnownCustomerRepository(session).upsert(
        customer_id=customer_id, name="Koks EOOD", language="bg", currency="EUR", country="BG"
    )
    euros = await issue(client, customer_id, currency="EUR", issue_date="2026-01-15")
    await post(session, leva["id"], MovementKind.PAYMENT, "-1000", date(2026, 1, 20))

    body = (
        await client.get(
            f"/v1/customers/{customer_id}/statement",
            params={"from": "2026-01-01", "to": "2026-01-31"},
        )
    ).json()

    sections = {section["currency"]: section for section in body["currencies"]}
    assert set(sections) == {"BGN", "EUR"}
    assert sections["BGN"]["opening_balance"] == leva["total"] == "1200.50"
    assert [m["amount"] for m in sections["BGN"]["movements"]] == ["-1000.00"]
    assert sections["BGN"]["closing_balance"] == "200.50"
    assert sections["EUR"]["opening_balance"] == "0.00"
    assert [m["invoice_number"] for m in sections["EUR"]["movements"]] == [euros["number"]]
    assert sections["EUR"]["closing_balance"] == "1200.50"
    for section in sections.values():
        moved = sum((Decimal(m["amount"]) for m in section["movements"]), Decimal(0))
        assert Decimal(section["closing_balance"]) == Decimal(section["opening_balance"]) + moved


async def test_a_customer_without_invoices_has_a_zero_statement_in_its_currency(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session, currency="JPY")

    body = (await client.get(f"/v1/customers/{customer_id}/statement")).json()

    # Default period: the first of this month to today (the clock says 2026-03-02).
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-02")
    assert body["currencies"] == [
        {"currency": "JPY", "opening_balance": "0", "movements": [], "closing_balance": "0"}
    ]


async def test_a_read_key_is_enough(client: httpx.AsyncClient, session: AsyncSession) -> None:
    customer_id = await create_known_customer(session)
    read_only = await api_key_headers(session, Scope.READ)

    response = await client.get(f"/v1/customers/{customer_id}/statement", headers=read_only)

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "xlsx"}, "format"),
        ({"from": "2026-02-28", "to": "2026-02-01"}, "to"),
        ({"from": "not-a-date"}, "from"),
        ({"to": "3000-01-01"}, "to"),
    ],
)
async def test_bad_parameters_are_a_422_naming_them(
    params: dict[str, str], field: str, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)

    response = await client.get(f"/v1/customers/{customer_id}/statement", params=params)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == (field, "query")


async def test_an_unknown_customer_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/customers/{uuid.uuid4()}/statement")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_credit_balance_movements_are_lines_and_the_closing_is_open_less_credit(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """An overpayment goes on the credit balance, the next invoice uses it, and a payment that
    was partly on credit is reversed: every one of those is a line, so opening + lines =
    closing = what the invoices still have open less the credit the customer holds."""
    customer_id = await create_known_customer(session)
    url = f"/v1/customers/{customer_id}/statement"
    first = await issue_for(client, customer_id, "100.00", issue_date="2026-02-05")
    await pay_by_hand(client, customer_id, "130.00", received_on="2026-02-10")

    mid_month = (await client.get(url, params={**FEBRUARY, "to": "2026-02-15"})).json()
    [eur] = mid_month["currencies"]
    assert eur["closing_balance"] == "-30.00"  # nothing open, 30 on credit: the customer's

    second = await issue_for(client, customer_id, "45.00", issue_date="2026-02-20")
    later = (await pay_by_hand(client, customer_id, "50.00", received_on="2026-02-25")).json()
    reversal = {"reason": "returned by the bank", "reversed_on": "2026-02-26"}
    assert (
        await client.post(f"/v1/payments/{later['id']}/reversal", json=reversal)
    ).status_code == 200

    body = (await client.get(url, params=FEBRUARY)).json()

    [eur] = body["currencies"]
    lines = [
        (m["business_date"], m["invoice_id"], m["kind"], m["amount"]) for m in eur["movements"]
    ]
    assert lines == [
        ("2026-02-05", first["id"], "issue", "100.00"),
        ("2026-02-10", first["id"], "payment", "-100.00"),
        ("2026-02-10", None, "credit_added", "-30.00"),
        ("2026-02-20", second["id"], "issue", "45.00"),
        ("2026-02-20", second["id"], "payment", "-30.00"),
        ("2026-02-20", second["id"], "credit_applied", "30.00"),
        ("2026-02-25", second["id"], "payment", "-15.00"),
        ("2026-02-25", None, "credit_added", "-35.00"),
        ("2026-02-26", second["id"], "payment_reversal", "15.00"),
        ("2026-02-26", None, "credit_reversed", "35.00"),
    ]
    assert [m["balance"] for m in eur["movements"]][-1] == eur["closing_balance"] == "15.00"
    moved = sum((Decimal(m["amount"]) for m in eur["movements"]), Decimal(0))
    assert Decimal(eur["closing_balance"]) == Decimal(eur["opening_balance"]) + moved
    credit = (await client.get(f"/v1/payments/credit-balances/{customer_id}")).json()
    on_credit = sum((Decimal(b["balance"]) for b in credit["balances"]), Decimal(0))
    open_now = sum(
        [(await stored_invoice(session, i["id"])).open_amount for i in (first, second)],
        Decimal(0),
    )
    assert Decimal(eur["closing_balance"]) == open_now - on_credit
    # March opens where February closed, credit included.
    march = (await client.get(url, params={"from": "2026-03-01", "to": "2026-03-02"})).json()
    assert march["currencies"][0]["opening_balance"] == "15.00"


async def test_credit_lines_in_csv_and_pdf_have_no_invoice_number(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    await pay_by_hand(client, customer_id, "25.00", received_on="2026-02-10")  # nothing open
    url = f"/v1/customers/{customer_id}/statement"

    csv_text = (await client.get(url, params={**FEBRUARY, "format": "csv"})).text
    pdf = (await client.get(url, params={**FEBRUARY, "format": "pdf"})).content

    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert [(r["kind"], r["invoice_number"], r["amount"], r["balance"]) for r in rows] == [
        ("opening_balance", "", "", "0.00"),
        ("credit_added", "", "-25.00", "-25.00"),
        ("closing_balance", "", "", "-25.00"),
    ]
    text = "".join("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "".join(texts_for("lv")["kind.credit_added"].split()) in text
    assert "None" not in text
