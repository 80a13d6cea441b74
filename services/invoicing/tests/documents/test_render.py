"""The invoice document in each language: real Jinja2, Babel and WeasyPrint, read by pypdf."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from string import Formatter as PlaceholderParser
from typing import cast

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from invoicing.documents.formatting import Formatter
from invoicing.documents.render import (
    html_to_pdf,
    html_to_pdf_in_thread,
    render_invoice_html,
    render_invoice_pdf,
)
from invoicing.documents.texts import CATALOGUES, LANGUAGES, texts_for
from invoicing.documents.view_models import DocumentLine, InvoiceDocument

SampleInvoice = Callable[..., InvoiceDocument]


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    """Without any kind of space: Babel groups digits with (narrow) no-break spaces, and a PDF
    line may break inside a clause."""
    return "".join(text.split())


def pdf_font_names(pdf: bytes) -> set[str]:
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        fonts = cast(DictionaryObject, resources["/Font"].get_object())
        for font in fonts.values():
            names.add(str(cast(DictionaryObject, font.get_object())["/BaseFont"]))
    return names


@pytest.mark.parametrize("language", LANGUAGES)
async def test_pdf_opens_and_shows_number_total_and_rf_reference(
    language: str, sample_invoice: SampleInvoice
) -> None:
    invoice = sample_invoice(language)

    pdf = await render_invoice_pdf(invoice)

    assert pdf.startswith(b"%PDF-")
    text = squeezed(pdf_text(pdf))
    assert "INV-2026-000042" in text
    assert squeezed(Formatter.for_language(language).money(Decimal("1469.41"), "EUR")) in text
    assert "RF18539007547034" in text
    # The labels are the language's own (Cyrillic in ru and bg, Latvian diacritics in lv).
    texts = texts_for(language)
    for label in ("invoice_title", "total_due", "due_date", "how_to_pay"):
        assert squeezed(texts[label]) in text


@pytest.mark.parametrize("language", ["ru", "bg"])
def test_cyrillic_is_set_in_dejavu_not_dropped(
    language: str, sample_invoice: SampleInvoice
) -> None:
    pdf = html_to_pdf(render_invoice_html(sample_invoice(language)))

    assert any("DejaVu" in name for name in pdf_font_names(pdf))
    text = pdf_text(pdf)
    assert "Ромашка" in text
    assert re.search(r"[А-Яа-я]{4,}", texts_for(language)["penalty_clause"])
    assert squeezed(texts_for(language)["seller"]) in squeezed(text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_html_has_the_translated_labels_and_clauses(
    language: str, sample_invoice: SampleInvoice
) -> None:
    html = render_invoice_html(sample_invoice(language))
    texts = texts_for(language)
    fmt = Formatter.for_language(language)

    assert f'<html lang="{language}">' in html
    for label in ("seller", "buyer", "tax_id", "tax_by_rate", "net_total", "payment_reference"):
        assert texts[label] in html
    # Requirement 10: the penalty, and 11: the discount, with their numbers in the locale.
    assert texts["penalty_clause"].format(percent=fmt.percent(Decimal("1.5"))) in html
    assert fmt.money(Decimal("1440.02"), "EUR") in html
    assert fmt.date(date(2026, 3, 9)) in html  # the discount's last day
    assert "LV80 BANK 0000 4351 9500 1" in html
    assert "BANKLV22" in html


def test_html_shows_seller_buyer_tax_ids_lines_and_tax_per_rate(
    sample_invoice: SampleInvoice,
) -> None:
    html = render_invoice_html(sample_invoice("en"))

    assert "SIA Receivables Demo" in html and "LV40003000000" in html
    assert "BG175074752" in html
    assert "Brīvības iela 100, Rīga" in html
    assert "PO-77" in html
    assert "March 1, 2026" in html  # completed on
    assert "April 1, 2026" in html  # due
    # One row per rate: 21 % and 12 %, each with its net and tax.
    tax_summary = html.split('class="tax-summary"')[1]
    assert tax_summary.index("21%") < tax_summary.index("12%")
    assert "€252.11" in tax_summary and "€1.80" in tax_summary


def test_customer_text_is_escaped(sample_invoice: SampleInvoice) -> None:
    html = render_invoice_html(sample_invoice("en"))

    assert "&lt;b&gt;" in html
    assert "<b>" not in html
    assert "&amp; Co" in html


def test_no_penalty_clause_without_interest_and_no_discount_without_terms(
    sample_invoice: SampleInvoice,
) -> None:
    html = render_invoice_html(
        sample_invoice("en", discount=None, late_interest_percent_per_month=Decimal(0))
    )

    assert 'class="clause penalty"' not in html
    assert 'class="clause discount"' not in html


def test_grace_days_are_part_of_the_penalty_clause(sample_invoice: SampleInvoice) -> None:
    html = render_invoice_html(sample_invoice("lv", interest_grace_days=5))

    assert texts_for("lv")["penalty_grace"].format(days=5) in html


@pytest.mark.parametrize(
    ("currency", "amount", "shown"),
    [("JPY", Decimal("150000"), "¥150,000"), ("KWD", Decimal("12.345"), "KWD12.345")],
)
def test_money_keeps_the_currencys_minor_units(
    currency: str, amount: Decimal, shown: str, sample_invoice: SampleInvoice
) -> None:
    line = DocumentLine(
        description="x",
        quantity=Decimal(1),
        unit_price=amount,
        tax_rate=Decimal(0),
        net=amount,
        tax=Decimal(0),
        gross=amount,
    )
    invoice = sample_invoice(
        "en",
        currency=currency,
        lines=[line],
        net_total=amount,
        tax_total=Decimal(0),
        total=amount,
        discount=None,
    )

    assert shown in render_invoice_html(invoice)


def test_an_unserved_language_falls_back_to_english(sample_invoice: SampleInvoice) -> None:
    html = render_invoice_html(sample_invoice("de"))

    assert '<html lang="en">' in html
    assert "Total due" in html


def test_every_language_has_every_text_with_the_same_placeholders() -> None:
    def placeholders(text: str) -> set[str]:
        return {name for _, name, _, _ in PlaceholderParser().parse(text) if name}

    english = CATALOGUES["en"]
    assert set(CATALOGUES) == set(LANGUAGES)
    for language, texts in CATALOGUES.items():
        assert set(texts) == set(english), language
        for key, text in texts.items():
            assert placeholders(text) == placeholders(english[key]), (language, key)
            assert text.strip(), (language, key)


async def test_the_event_loop_keeps_running_while_a_pdf_renders(
    sample_invoice: SampleInvoice,
) -> None:
    html = render_invoice_html(sample_invoice("ru"))
    rendering = True
    turns = 0

    async def other_requests() -> None:
        nonlocal turns
        while rendering:
            turns += 1
            await asyncio.sleep(0.001)

    other = asyncio.create_task(other_requests())
    await asyncio.sleep(0)  # let it start
    started = turns
    pdf = await html_to_pdf_in_thread(html)
    rendering = False
    await other

    assert pdf.startswith(b"%PDF-")
    # A render on the loop itself would leave no turn to anyone else until it finished.
    assert turns - started >= 3
