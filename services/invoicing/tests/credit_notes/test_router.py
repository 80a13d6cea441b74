"""Credit notes: full, by amount, by lines; never above the open amount; CreditNoteIssued."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.credit_notes.models import CreditNote
from invoicing.ledger.models import InvoiceMovement, MovementKind
from invoicing.ledger.service import post_movement
from invoicing.testing import (
    count,
    create_known_customer,
    error_fields,
    issue,
    last_movement_sequence,
    outbox_events,
    stored_invoice,
)
from receivables_shared.events import CreditNoteIssued

LINES = [
    {"description": "Pallets", "quantity": "10", "unit_price": "12.00", "tax_rate": "21"},
    {"description": "Delivery", "quantity": "1", "unit_price": "50.00", "tax_rate": "0"},
]  # net 170.00, tax 25.20, total 195.20


async def invoice_of(client: httpx.AsyncClient, session: AsyncSession) -> dict[str, Any]:
    customer_id = await create_known_customer(session)
    return dict(await issue(client, customer_id, lines=LINES))


async def credit(client: httpx.AsyncClient, invoice: dict[str, Any], **body: Any) -> httpx.Response:
    return await client.post(
        f"/v1/invoices/{invoice['id']}/credit-notes", json={"reason": "Damaged", **body}
    )


async def test_a_full_credit_note_settles_the_invoice(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await invoice_of(client, session)

    response = await credit(client, invoice)

    assert response.status_code == 201, response.text
    note = response.json()
    assert (note["number"], note["amount"], note["net"], note["tax"]) == (
        "CN-2026-000001",
        "195.20",
        "170.00",
        "25.20",
    )
    assert (note["open_amount"], note["invoice_state"]) == ("0.00", "paid")
    [event] = await outbox_events(session, "CreditNoteIssued")
    assert CreditNoteIssued.model_validate(event.payload) == CreditNoteIssued(
        customer_id=uuid.UUID(invoice["customer_id"]),
        credit_note_id=uuid.UUID(note["id"]),
        invoice_id=uuid.UUID(invoice["id"]),
        number="CN-2026-000001",
        currency="EUR",
        amount=Decimal("195.20"),
        issued_on=date(2026, 3, 2),
        reason="Damaged",
        open_amount=Decimal("0.00"),
        movement_sequence=await last_movement_sequence(session, invoice["id"]),
    )
    shown = (await client.get(f"/v1/invoices/{invoice['id']}")).json()
    assert [(m["kind"], m["amount"], m["source_id"]) for m in shown["movements"]] == [
        ("issue", "195.20", invoice["id"]),
        ("credit_note", "-195.20", note["id"]),
    ]


async def test_interest_in_a_full_credit_note_carries_no_tax(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await invoice_of(client, session)
    stored = await stored_invoice(session, invoice["id"])
    await post_movement(session, stored, kind=MovementKind.INTEREST, amount=Decimal("4.80"),
                        business_date=date(2026, 3, 2), source_id=uuid.uuid4())  # fmt: skip

    response = await credit(client, invoice)

    assert response.status_code == 201, response.text
    note = response.json()
    # 195.20 of goods (25.20 of it tax) and 4.80 of interest, which is not taxed.
    assert (note["amount"], note["tax"], note["net"]) == ("200.00", "25.20", "174.80")


async def test_a_partial_credit_by_amount_splits_tax_in_the_invoices_proportion(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await invoice_of(client, session)

    response = await credit(client, invoice, amount="97.60", business_date="2026-03-05")

    assert response.status_code == 201, response.text
    note = response.json()
    assert (note["amount"], note["tax"], note["net"]) == ("97.60", "12.60", "85.00")
    assert (note["open_amount"], note["invoice_state"], note["business_date"]) == (
        "97.60",
        "issued",
        "2026-03-05",
    )
    second = await credit(client, invoice, amount="97.60")
    assert second.json()["number"] == "CN-2026-000002"
    assert second.json()["invoice_state"] == "paid"
    listed = await client.get(f"/v1/invoices/{invoice['id']}/credit-notes")
    assert [(n["number"], n["amount"], n["open_amount"]) for n in listed.json()] == [
        ("CN-2026-000001", "97.60", "0.00"),
        ("CN-2026-000002", "97.60", "0.00"),
    ]


async def test_a_credit_by_lines_credits_quantities_with_their_tax(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await invoice_of(client, session)

    first = await credit(client, invoice, lines=[{"line_index": 0, "quantity": "3"}])
    rest = await credit(
        client,
        invoice,
        lines=[{"line_index": 0, "quantity": "7"}, {"line_index": 1, "quantity": "1"}],
    )

    assert first.status_code == 201, first.text
    assert (first.json()["net"], first.json()["tax"], first.json()["amount"]) == (
        "36.00",
        "7.56",
        "43.56",
    )
    assert first.json()["lines"][0]["description"] == "Pallets"
    assert rest.status_code == 201, rest.text
    assert (rest.json()["amount"], rest.json()["open_amount"]) == ("151.64", "0.00")
    too_many = await credit(client, invoice, lines=[{"line_index": 0, "quantity": "1"}])
    assert too_many.status_code == 422
    assert error_fields(too_many) == ["lines[0].quantity"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "195.21"}, "amount"),
        ({"amount": "0.001"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-1.00"}, "amount"),
        ({"lines": [{"line_index": 2, "quantity": "1"}]}, "lines[0].line_index"),
        ({"lines": [{"line_index": 0, "quantity": "11"}]}, "lines[0].quantity"),
        ({"amount": "1.00", "lines": [{"line_index": 0, "quantity": "1"}]}, "lines"),
        ({"reason": ""}, "reason"),
        ({"business_date": "2026-03-01"}, "business_date"),
    ],
    ids=[
        "above-open",
        "below-a-cent",
        "zero",
        "negative",
        "no-such-line",
        "more-than-invoiced",
        "amount-and-lines",
        "no-reason",
        "before-the-invoice",
    ],
)
async def test_a_bad_credit_note_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any], field: str
) -> None:
    invoice = await invoice_of(client, session)

    response = await credit(client, invoice, **body)

    assert response.status_code == 422, response.text
    assert error_fields(response) == [field]
    assert await count(session, CreditNote) == 0
    assert await count(session, InvoiceMovement) == 1
    assert await outbox_events(session, "CreditNoteIssued") == []
    follow = await credit(client, invoice, amount="1.00")
    assert follow.json()["number"] == "CN-2026-000001"  # no number was used up


async def test_a_retried_credit_note_is_issued_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await invoice_of(client, session)
    headers = {"Idempotency-Key": "crm-cn-1"}
    path = f"/v1/invoices/{invoice['id']}/credit-notes"

    first = await client.post(path, json={"reason": "x", "amount": "10.00"}, headers=headers)
    retry = await client.post(path, json={"reason": "x", "amount": "10.00"}, headers=headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert await count(session, CreditNote) == 1


async def test_a_cancelled_invoice_takes_no_credit_note(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await invoice_of(client, session)
    await client.post(f"/v1/invoices/{invoice['id']}/cancel", json={"reason": "Wrong"})

    response = await credit(client, invoice, amount="1.00")

    assert response.status_code == 409
    assert await count(session, CreditNote) == 0


async def test_crediting_a_line_piece_by_piece_adds_up_to_the_line_exactly(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    item = {"description": "Screws", "quantity": "3", "unit_price": "0.10", "tax_rate": "5"}
    invoice = await issue(client, customer_id, lines=[item])  # net 0.30, tax 0.015 -> 0.02
    one = [{"line_index": 0, "quantity": "1"}]

    credited = [await credit(client, invoice, lines=one) for _ in range(3)]

    assert [response.status_code for response in credited] == [201, 201, 201]
    # 0.005 -> 0.01 twice; the last takes what is left of the line's tax: 0.00.
    assert [response.json()["tax"] for response in credited] == ["0.01", "0.01", "0.00"]
    assert [response.json()["amount"] for response in credited] == ["0.11", "0.11", "0.10"]
    assert credited[-1].json()["open_amount"] == "0.00"
