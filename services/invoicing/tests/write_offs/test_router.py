"""Write-offs: whole or partial (requirement 31), approve scope, never a paid invoice."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.ledger.models import InvoiceMovement
from invoicing.testing import (
    count,
    create_known_customer,
    error_fields,
    issue,
    last_movement_sequence,
    outbox_events,
)
from invoicing.write_offs.models import WriteOff
from receivables_shared.auth.keys import Scope, issue_api_key
from receivables_shared.events import InvoiceWrittenOff
from receivables_shared.testing.helpers import api_key_headers

BODY = {"reason": "Settlement: 20 % forgiven", "approver": "Anna Bērziņa, CFO"}


async def write_off(
    client: httpx.AsyncClient, invoice: dict[str, Any], **body: Any
) -> httpx.Response:
    return await client.post(f"/v1/invoices/{invoice['id']}/write-off", json={**BODY, **body})


async def test_a_partial_write_off_lowers_the_open_amount_and_is_announced(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue(client, await create_known_customer(session))
    approver_key = await issue_api_key(session, name="collections-desk", scopes=[Scope.APPROVE])

    response = await client.post(
        f"/v1/invoices/{invoice['id']}/write-off",
        json={**BODY, "amount": "240.10", "business_date": "2026-03-20"},
        headers={"Authorization": f"Bearer {approver_key.secret}"},
    )

    assert response.status_code == 201, response.text
    written = response.json()
    assert (written["amount"], written["open_amount"], written["invoice_state"]) == (
        "240.10",
        "960.40",
        "issued",
    )
    assert (written["approver"], written["recorded_by"]) == (
        "Anna Bērziņa, CFO",
        "collections-desk",
    )
    [event] = await outbox_events(session, "InvoiceWrittenOff")
    assert InvoiceWrittenOff.model_validate(event.payload) == InvoiceWrittenOff(
        customer_id=uuid.UUID(invoice["customer_id"]),
        write_off_id=uuid.UUID(written["id"]),
        invoice_id=uuid.UUID(invoice["id"]),
        currency="EUR",
        amount=Decimal("240.10"),
        written_off_on=date(2026, 3, 20),
        reason=BODY["reason"],
        approver=BODY["approver"],
        open_amount=Decimal("960.40"),
        movement_sequence=await last_movement_sequence(session, invoice["id"]),
    )


async def test_writing_off_the_rest_makes_it_written_off(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue(client, await create_known_customer(session))
    await write_off(client, invoice, amount="200.50")

    response = await write_off(client, invoice)  # default: all that is open

    assert response.status_code == 201, response.text
    assert (response.json()["amount"], response.json()["invoice_state"]) == (
        "1000.00",
        "written_off",
    )
    shown = (await client.get(f"/v1/invoices/{invoice['id']}")).json()
    assert (shown["state"], shown["open_amount"]) == ("written_off", "0.00")
    paid_off = await write_off(client, invoice)
    assert paid_off.status_code == 422
    assert error_fields(paid_off) == ["invoice_id"]


async def test_a_paid_invoice_cannot_be_written_off(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue(client, await create_known_customer(session))
    await client.post(f"/v1/invoices/{invoice['id']}/credit-notes", json={"reason": "Returned"})

    response = await write_off(client, invoice)

    assert response.status_code == 422
    assert error_fields(response) == ["invoice_id"]
    assert await count(session, WriteOff) == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "1200.51"}, "amount"),
        ({"amount": "0.001"}, "amount"),
        ({"amount": "0"}, "amount"),
        ({"approver": " "}, "approver"),
        ({"reason": ""}, "reason"),
        ({"business_date": "2026-02-01"}, "business_date"),
    ],
)
async def test_a_bad_write_off_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, Any], field: str
) -> None:
    invoice = await issue(client, await create_known_customer(session))

    response = await write_off(client, invoice, **body)

    assert response.status_code == 422, response.text
    assert error_fields(response) == [field]
    assert (await count(session, WriteOff), await count(session, InvoiceMovement)) == (0, 1)
    assert await outbox_events(session, "InvoiceWrittenOff") == []


async def test_a_write_off_needs_the_approve_scope(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue(client, await create_known_customer(session))
    writer = await api_key_headers(session, Scope.WRITE)

    response = await client.post(
        f"/v1/invoices/{invoice['id']}/write-off", json=BODY, headers=writer
    )

    assert response.status_code == 403
    assert "approve" in response.json()["detail"]
    assert await count(session, WriteOff) == 0


async def test_a_retried_write_off_is_recorded_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    invoice = await issue(client, await create_known_customer(session))
    headers = {"Idempotency-Key": "settlement-42"}
    path = f"/v1/invoices/{invoice['id']}/write-off"

    first = await client.post(path, json={**BODY, "amount": "100.00"}, headers=headers)
    retry = await client.post(path, json={**BODY, "amount": "100.00"}, headers=headers)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert await count(session, WriteOff) == 1
    assert len(await outbox_events(session, "InvoiceWrittenOff")) == 1
