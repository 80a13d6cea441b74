"""Due-date extensions and cancellation, with their events; bad requests change nothing."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.invoices.models import DueDateExtension
from invoicing.ledger.models import MovementKind
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
from receivables_shared.auth.keys import Scope
from receivables_shared.events import InvoiceCancelled, InvoiceDueDateExtended
from receivables_shared.testing.helpers import api_key_headers


async def test_extending_the_due_date_moves_it_and_tells_collections(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue(client, await create_known_customer(session))  # due 2026-04-01
    stored = await stored_invoice(session, invoice["id"])
    stored.overdue_since, stored.state = date(2026, 4, 2), "overdue"  # as the job marks it

    response = await client.post(
        f"/v1/invoices/{invoice['id']}/due-date-extensions",
        json={"due_date": "2026-05-15", "reason": "Second letter: term extended"},
    )

    assert response.status_code == 200, response.text
    extended = response.json()
    assert (extended["due_date"], extended["original_due_date"]) == ("2026-05-15", "2026-04-01")
    assert (extended["overdue_since"], extended["state"]) == (None, "issued")
    [event] = await outbox_events(session, "InvoiceDueDateExtended")
    assert InvoiceDueDateExtended.model_validate(event.payload) == InvoiceDueDateExtended(
        customer_id=uuid.UUID(invoice["customer_id"]),
        invoice_id=uuid.UUID(invoice["id"]),
        previous_due_date=date(2026, 4, 1),
        due_date=date(2026, 5, 15),
        reason="Second letter: term extended",
        extended_on=date(2026, 3, 2),
    )
    assert await count(session, DueDateExtension) == 1


async def test_an_extension_dated_in_the_past_keeps_an_overdue_mark_if_still_passed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue(client, await create_known_customer(session), issue_date="2026-01-02")
    stored = await stored_invoice(session, invoice["id"])
    stored.overdue_since, stored.state = date(2026, 2, 2), "overdue"

    response = await client.post(
        f"/v1/invoices/{invoice['id']}/due-date-extensions",
        json={"due_date": "2026-02-10", "reason": "Agreed", "business_date": "2026-02-20"},
    )

    assert response.status_code == 200, response.text
    assert (response.json()["overdue_since"], response.json()["state"]) == (
        "2026-02-02",
        "overdue",
    )
    [event] = await outbox_events(session, "InvoiceDueDateExtended")
    assert event.payload["extended_on"] == "2026-02-20"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_date": "2026-04-01", "reason": "Same day"}, "due_date"),
        ({"due_date": "2026-03-20", "reason": "Earlier"}, "due_date"),
        ({"due_date": "2026-05-01", "reason": " "}, "reason"),
        ({"due_date": "later", "reason": "x"}, "due_date"),
    ],
)
async def test_an_extension_must_be_later_and_explained(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, str], field: str
) -> None:
    invoice = await issue(client, await create_known_customer(session))

    response = await client.post(f"/v1/invoices/{invoice['id']}/due-date-extensions", json=body)

    assert response.status_code == 422
    assert error_fields(response) == [field]
    assert await count(session, DueDateExtension) == 0
    assert (await stored_invoice(session, invoice["id"])).due_date == date(2026, 4, 1)


async def test_cancelling_removes_the_open_amount(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue(client, await create_known_customer(session))

    response = await client.post(
        f"/v1/invoices/{invoice['id']}/cancel", json={"reason": "Issued to the wrong customer"}
    )

    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert (cancelled["state"], cancelled["open_amount"], cancelled["cancelled_on"]) == (
        "cancelled",
        "0.00",
        "2026-03-02",
    )
    assert [(m["kind"], m["amount"]) for m in cancelled["movements"]] == [
        ("issue", "1200.50"),
        ("cancellation", "-1200.50"),
    ]
    [event] = await outbox_events(session, "InvoiceCancelled")
    assert InvoiceCancelled.model_validate(event.payload) == InvoiceCancelled(
        customer_id=uuid.UUID(invoice["customer_id"]),
        invoice_id=uuid.UUID(invoice["id"]),
        currency="EUR",
        amount=Decimal("1200.50"),
        cancelled_on=date(2026, 3, 2),
        reason="Issued to the wrong customer",
        movement_sequence=await last_movement_sequence(session, invoice["id"]),
    )
    again = await client.post(f"/v1/invoices/{invoice['id']}/cancel", json={"reason": "Twice"})
    assert again.status_code == 409


async def test_an_invoice_with_a_payment_cannot_be_cancelled(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue(client, await create_known_customer(session))
    stored = await stored_invoice(session, invoice["id"])
    await post_movement(
        session,
        stored,
        kind=MovementKind.PAYMENT,
        amount=Decimal("-0.50"),
        business_date=date(2026, 3, 5),
        source_id=uuid.uuid4(),
    )

    response = await client.post(f"/v1/invoices/{invoice['id']}/cancel", json={"reason": "Oops"})

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert (await stored_invoice(session, invoice["id"])).state == "partially_paid"
    assert await outbox_events(session, "InvoiceCancelled") == []


async def test_lifecycle_changes_need_the_write_scope_and_an_existing_invoice(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue(client, await create_known_customer(session))
    read_only = await api_key_headers(session, Scope.READ)

    refused = await client.post(
        f"/v1/invoices/{invoice['id']}/cancel", json={"reason": "x"}, headers=read_only
    )
    missing = await client.post(f"/v1/invoices/{uuid.uuid4()}/cancel", json={"reason": "x"})

    assert (refused.status_code, missing.status_code) == (403, 404)
    assert (await stored_invoice(session, invoice["id"])).state == "issued"
