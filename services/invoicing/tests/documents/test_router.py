"""GET /v1/invoices/{id}/document: a real invoice issued through the API, rendered and read back."""

from __future__ import annotations

import io
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.repository import KnownCustomerRepository
from invoicing.documents.formatting import Formatter
from invoicing.documents.texts import LANGUAGES, texts_for
from invoicing.terms.repository import CustomerTermsRepository
from receivables_shared.auth.keys import Scope
from receivables_shared.testing.helpers import api_key_headers

LINES = [
    {"description": "Консультации", "quantity": "2", "unit_price": "600.25", "tax_rate": "21"},
    {"description": "Books", "quantity": "3", "unit_price": "10.00", "tax_rate": "12"},
]
TERMS = {
    "terms_version": 1,
    "effective_on": date(2026, 1, 1),
    "credit_allowed": True,
    "currency": "EUR",
    "payment_term_days": 30,
    "business_day_rule": "none",
    "early_payment_discount_percent": Decimal("2"),
    "early_payment_discount_days": 7,
    "late_interest_percent_per_month": Decimal("1.5"),
    "interest_grace_days": 0,
    "grace_days": 0,
}


def squeezed(text: str) -> str:
    return "".join(text.split())


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def issue_invoice(
    client: httpx.AsyncClient, session: AsyncSession, language: str
) -> dict[str, Any]:
    customer_id = uuid.uuid4()
    await KnownCustomerRepository(session).upsert(
        customer_id=customer_id,
        name="ООО «Ромашка»",
        language=language,
        currency="EUR",
        country="BG",
        tax_id="BG175074752",
    )
    await CustomerTermsRepository(session).keep_newest(customer_id, TERMS)
    response = await client.post(
        "/v1/invoices",
        json={
            "customer_id": str(customer_id),
            "currency": "EUR",
            "lines": LINES,
            "order_reference": "PO-77",
            "completed_at": "2026-03-01T15:00:00+00:00",
        },
    )
    assert response.status_code == 201, response.text
    invoice: dict[str, Any] = response.json()
    return invoice


@pytest.mark.parametrize("language", LANGUAGES)
async def test_pdf_in_the_customers_language_has_number_total_and_rf_reference(
    language: str, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue_invoice(client, session, language)

    response = await client.get(f"/v1/invoices/{invoice['id']}/document")

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert f'filename="{invoice["number"]}.pdf"' in response.headers["content-disposition"]
    text = squeezed(pdf_text(response.content))
    assert invoice["number"] in text
    total = Formatter.for_language(language).money(Decimal(invoice["total"]), "EUR")
    assert squeezed(total) in text
    assert invoice["rf_reference"] in text
    assert squeezed(texts_for(language)["total_due"]) in text


async def test_html_shows_seller_buyer_tax_ids_terms_and_bank_details(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue_invoice(client, session, "bg")

    response = await client.get(f"/v1/invoices/{invoice['id']}/document", params={"format": "html"})

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    html = response.text
    texts, fmt = texts_for("bg"), Formatter.for_language("bg")
    assert '<html lang="bg">' in html
    for label in ("invoice_title", "seller", "buyer", "tax_by_rate", "how_to_pay"):
        assert texts[label] in html
    # Seller from the settings' demo defaults, buyer from the known customer.
    assert "SIA Receivables Demo" in html and "LV40003000000" in html
    assert "BG175074752" in html and "България" in html
    assert "LV80 BANK 0000 4351 9500 1" in html and "BANKLV22" in html
    assert "PO-77" in html
    assert fmt.date(date(2026, 3, 1)) in html  # completed on (in Riga)
    assert fmt.date(date.fromisoformat(invoice["due_date"])) in html
    # Requirement 10 and 11: the penalty clause and the discount, from the customer's terms.
    assert texts["penalty_clause"].format(percent=fmt.percent(Decimal("1.5"))) in html
    discount = Decimal(invoice["discount_amount"])
    assert discount > 0
    assert fmt.money(discount, "EUR") in html
    assert fmt.money(Decimal(invoice["total"]) - discount, "EUR") in html
    assert fmt.date(date.fromisoformat(invoice["discount_until"])) in html
    # Tax per rate: 21 % and 12 %.
    assert fmt.percent(Decimal(21)) in html and fmt.percent(Decimal(12)) in html


async def test_a_read_key_is_enough(client: httpx.AsyncClient, session: AsyncSession) -> None:
    invoice = await issue_invoice(client, session, "lv")
    read_only = await api_key_headers(session, Scope.READ)

    response = await client.get(
        f"/v1/invoices/{invoice['id']}/document", params={"format": "html"}, headers=read_only
    )

    assert response.status_code == 200
    assert texts_for("lv")["invoice_title"] in response.text


async def test_a_bad_format_is_a_422_naming_format(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue_invoice(client, session, "en")

    response = await client.get(f"/v1/invoices/{invoice['id']}/document", params={"format": "docx"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("format", "query")


async def test_an_unknown_invoice_is_a_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/v1/invoices/{uuid.uuid4()}/document")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_cancelled_invoice_says_so_in_the_customers_language(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue_invoice(client, session, "ru")
    cancelled = await client.post(
        f"/v1/invoices/{invoice['id']}/cancel",
        json={"reason": "Ordered twice", "business_date": "2026-03-02"},
    )
    assert cancelled.status_code == 200, cancelled.text

    response = await client.get(f"/v1/invoices/{invoice['id']}/document")

    notice = texts_for("ru")["cancelled_notice"].format(
        date=Formatter.for_language("ru").date(date(2026, 3, 2))
    )
    assert squeezed(notice) in squeezed(pdf_text(response.content))
