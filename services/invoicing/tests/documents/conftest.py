"""The document tests' sample: an invoice with two tax rates, a discount and a penalty clause."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from invoicing.documents.view_models import (
    DocumentLine,
    EarlyPaymentDiscount,
    InvoiceDocument,
    Party,
    PaymentAccount,
    TaxRateTotal,
)

SELLER = Party(
    name="SIA Receivables Demo", tax_id="LV40003000000", address="Brīvības iela 100, Rīga"
)
BUYER = Party(name="ООО «Ромашка» & Co <b>", tax_id="BG175074752", address="София, ул. Шипка 6")


def make_invoice(language: str = "en", **overrides: object) -> InvoiceDocument:
    values: dict[str, object] = {
        "number": "INV-2026-000042",
        "language": language,
        "currency": "EUR",
        "issue_date": date(2026, 3, 2),
        "completed_on": date(2026, 3, 1),
        "due_date": date(2026, 4, 1),
        "order_reference": "PO-77",
        "seller": SELLER,
        "buyer": BUYER,
        "lines": [
            DocumentLine(
                description="Консультации / Consulting",
                quantity=Decimal("2"),
                unit_price=Decimal("600.25"),
                tax_rate=Decimal("21"),
                net=Decimal("1200.50"),
                tax=Decimal("252.11"),
                gross=Decimal("1452.61"),
            ),
            DocumentLine(
                description="Books",
                quantity=Decimal("1.5"),
                unit_price=Decimal("10.00"),
                tax_rate=Decimal("12"),
                net=Decimal("15.00"),
                tax=Decimal("1.80"),
                gross=Decimal("16.80"),
            ),
        ],
        "tax_totals": [
            TaxRateTotal(Decimal("21"), Decimal("1200.50"), Decimal("252.11"), Decimal("1452.61")),
            TaxRateTotal(Decimal("12"), Decimal("15.00"), Decimal("1.80"), Decimal("16.80")),
        ],
        "net_total": Decimal("1215.50"),
        "tax_total": Decimal("253.91"),
        "total": Decimal("1469.41"),
        "rf_reference": "RF18539007547034",
        "accounts": [PaymentAccount("LV80BANK0000435195001", "BANKLV22", "Demo Bank")],
        "discount": EarlyPaymentDiscount(
            percent=Decimal("2"),
            until=date(2026, 3, 9),
            discount=Decimal("29.39"),
            amount_to_pay=Decimal("1440.02"),
        ),
        "late_interest_percent_per_month": Decimal("1.5"),
    }
    values.update(overrides)
    return InvoiceDocument(**values)  # type: ignore[arg-type]


@pytest.fixture
def sample_invoice() -> Callable[..., InvoiceDocument]:
    """`sample_invoice("ru", total=...)`: the sample in a language, with fields replaced."""
    return make_invoice
