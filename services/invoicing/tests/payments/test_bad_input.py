"""Bad input to the payment endpoints: a problem naming the field, and nothing stored."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.ledger.models import InvoiceMovement
from invoicing.payments.models import Payment, PaymentAdvice, PaymentAllocation
from invoicing.payments.testing import issue_for, pay_by_hand
from invoicing.testing import count, create_known_customer, error_fields, outbox_events


async def _nothing_stored(session: AsyncSession, movements_before: int, events_before: int) -> None:
    assert await count(session, Payment) == 0
    assert await count(session, PaymentAllocation) == 0
    assert await count(session, InvoiceMovement) == movements_before
    assert len(await outbox_events(session)) == events_before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-10.00"}, "amount"),
        ({"amount": 10}, "amount"),  # a JSON number
        ({"amount": "10.001"}, "amount"),  # EUR has two decimals
        ({"amount": "10.5", "currency": "JPY"}, "amount"),  # JPY has none
        ({"currency": "EUX"}, "currency"),
        ({"currency": "DEM"}, "currency"),  # withdrawn
        ({"customer_id": str(uuid.uuid4())}, "customer_id"),
        ({"invoice_ids": [str(uuid.uuid4())]}, "invoice_ids[0]"),
        ({"method": "Bank Transfer!"}, "method"),
        ({"received_on": "9999-12-31"}, "received_on"),
        ({"unknown": "x"}, "unknown"),
    ],
)
async def test_bad_manual_payment_is_a_422_naming_the_field_and_stores_nothing(
    client: httpx.AsyncClient, session: AsyncSession, overrides: dict[str, Any], field: str
) -> None:
    customer_id = await create_known_customer(session)
    await issue_for(client, customer_id, "100.00")
    movements, events = await count(session, InvoiceMovement), len(await outbox_events(session))
    body = {"customer_id": str(customer_id), "amount": "10.00", "currency": "EUR", **overrides}

    response = await client.post("/v1/payments", json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in error_fields(response)
    await _nothing_stored(session, movements, events)


async def test_an_invoice_of_another_customer_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    other_id = await create_known_customer(session)
    mine = await issue_for(client, customer_id, "100.00")
    theirs = await issue_for(client, other_id, "100.00")
    movements, events = await count(session, InvoiceMovement), len(await outbox_events(session))

    response = await pay_by_hand(
        client, customer_id, "150.00", invoice_ids=[mine["id"], theirs["id"]]
    )

    assert response.status_code == 422
    assert error_fields(response) == ["invoice_ids[1]"]
    assert "another customer" in response.json()["errors"][0]["message"]
    await _nothing_stored(session, movements, events)


async def test_malformed_json_and_a_wrong_content_type_store_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    malformed = await client.post(
        "/v1/payments", content=b'{"amount": ', headers={"content-type": "application/json"}
    )
    as_text = await client.post(
        "/v1/payments", content=b"amount=10", headers={"content-type": "text/plain"}
    )

    assert (malformed.status_code, as_text.status_code) == (400, 415)
    assert await count(session, Payment) == 0


async def test_assigning_to_an_unknown_customer_or_a_settled_payment_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    applied = (await pay_by_hand(client, customer_id, "10.00")).json()

    unknown = await client.post(
        f"/v1/payments/{applied['id']}/assign", json={"customer_id": str(uuid.uuid4())}
    )
    missing = await client.post(
        f"/v1/payments/{uuid.uuid4()}/assign", json={"customer_id": str(customer_id)}
    )

    assert unknown.status_code == 409  # only waiting payments are assigned
    assert missing.status_code == 404


async def test_a_bad_advice_is_a_422_naming_the_field_and_stores_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    good = {
        "customer_id": str(customer_id),
        "amount": "10.00",
        "currency": "EUR",
        "date": "2026-03-01",
    }
    cases = [
        ({**good, "amount": "-1"}, "amount"),
        ({**good, "amount": "1.001"}, "amount"),
        ({**good, "currency": "ZZZ"}, "currency"),
        ({**good, "customer_id": str(uuid.uuid4())}, "customer_id"),
        ({**good, "date": "yesterday"}, "date"),
        ({key: value for key, value in good.items() if key != "amount"}, "amount"),
    ]
    for data, field in cases:
        response = await client.post("/v1/payments/advices", data=data)
        assert response.status_code == 422, (field, response.text)
        assert field in error_fields(response)
    as_json = await client.post("/v1/payments/advices", json=good)
    assert as_json.status_code == 415
    assert error_fields(as_json) == ["Content-Type"]
    assert await count(session, PaymentAdvice) == 0


async def test_an_advice_file_over_the_limit_is_413(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    customer_id = await create_known_customer(session)
    data = {"customer_id": str(customer_id), "amount": "10.00", "currency": "EUR"}
    data["date"] = "2026-03-01"

    response = await client.post(
        "/v1/payments/advices",
        data=data,
        files={"file": ("receipt.pdf", b"%PDF" + b"0" * (6 * 1024 * 1024), "application/pdf")},
    )

    assert response.status_code == 413
    assert await count(session, PaymentAdvice) == 0
