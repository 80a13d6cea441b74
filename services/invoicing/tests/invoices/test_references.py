"""ISO 11649 creditor references: made from invoice numbers, checked, found in remittance text."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.invoices.references import find_references, is_valid_rf, make_rf
from invoicing.invoices.repository import InvoiceRepository
from invoicing.testing import create_known_customer, issue


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("INV-2026-000001", "RF94INV2026000001"),
        ("539007547034", "RF18539007547034"),  # the standard's own example
        ("cn-2026-000012", make_rf("CN2026000012")),
    ],
)
def test_make_rf_prefixes_the_check_digits(reference: str, expected: str) -> None:
    made = make_rf(reference)

    assert made == expected
    assert is_valid_rf(made)


@pytest.mark.parametrize(
    "reference",
    ["RF18539007547034", "RF18 5390 0754 7034", "rf18 5390 0754 7034", make_rf("SRV-2027-1")],
)
def test_valid_references(reference: str) -> None:
    assert is_valid_rf(reference)


@pytest.mark.parametrize(
    "reference",
    [
        "RF17539007547034",  # wrong check digits
        "RF18539007547035",  # a changed digit
        "RF185390075470341234567890",  # too long
        "XX18539007547034",  # not RF
        "RF1",  # too short
        "",
    ],
)
def test_invalid_references(reference: str) -> None:
    assert not is_valid_rf(reference)


@pytest.mark.parametrize("reference", ["", "-", "A" * 22])
def test_a_reference_of_no_or_too_many_characters_cannot_be_made(reference: str) -> None:
    with pytest.raises(ValueError, match="1-21"):
        make_rf(reference)


def test_find_references_in_remittance_text() -> None:
    rf = make_rf("INV-2026-000001")
    spaced = " ".join(rf[i : i + 4] for i in range(0, len(rf), 4))
    text = f"Payment for {spaced} PAID and inv 2026 000002, INV-2026-000002; ref RF18539007547034."

    found = find_references(text)

    assert found.rf_references == (rf, "RF18539007547034")
    assert found.invoice_numbers == ("INV-2026-000002",)


def test_find_references_ignores_references_with_wrong_check_digits() -> None:
    found = find_references("RF17 5390 0754 7034 for order 123")

    assert found.rf_references == ()
    assert found.invoice_numbers == ()


async def test_an_invoice_is_found_by_its_rf_reference_or_number(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue(client, await create_known_customer(session))
    found = find_references(f"paid {invoice['rf_reference']} / {invoice['number']}")
    repository = InvoiceRepository(session)

    by_rf = await repository.by_reference(found.rf_references[0])
    by_number = await repository.by_reference(found.invoice_numbers[0])

    assert by_rf is not None and by_number is not None
    assert str(by_rf.id) == str(by_number.id) == invoice["id"]
    assert await repository.by_reference("RF18539007547034") is None
