import uuid
from datetime import datetime

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.messages.consumers import on_invoice_issued
from notifications.messages.models import OutboundMessage
from receivables_shared.auth.keys import Scope
from receivables_shared.clock import ManualClock
from receivables_shared.events import InvoiceIssued
from receivables_shared.testing.events import create_invoice_issued, handler_context
from receivables_shared.testing.helpers import api_key_headers
from receivables_shared.testing.pagination import (
    assert_bad_cursors_are_422_naming_cursor,
    assert_limit_is_bounded,
    page_through,
)


async def queue_invoice_notice(
    session: AsyncSession, clock: ManualClock, customer_id: uuid.UUID
) -> InvoiceIssued:
    """Queue a message the way production does: by handling InvoiceIssued."""
    event = create_invoice_issued(customer_id)
    await on_invoice_issued(session, event, handler_context(clock))
    await session.flush()  # what the consumer's unit of work does before it commits
    return event


async def test_queued_invoice_notice_is_listed_for_its_customer(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    event = await queue_invoice_notice(session, clock, customer_id)
    session.expunge_all()  # read back from the database, as a later request would
    stored = (await session.scalars(select(OutboundMessage))).one()

    response = await client.get(f"/v1/customers/{customer_id}/messages")

    assert response.status_code == 200
    [message] = response.json()["items"]
    assert message == {
        "id": str(stored.id),
        "customer_id": str(customer_id),
        "kind": "invoice_issued",
        "reference_id": str(event.invoice_id),
        "status": "queued",
        "created_at": message["created_at"],
    }
    assert datetime.fromisoformat(message["created_at"]) == stored.created_at


async def test_another_customers_messages_are_not_listed(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    await queue_invoice_notice(session, clock, uuid.uuid4())

    response = await client.get(f"/v1/customers/{uuid.uuid4()}/messages")

    assert response.status_code == 200
    assert response.json() == {"items": [], "next_cursor": None}


async def test_missing_or_wrong_key_is_401(client: httpx.AsyncClient) -> None:
    path = f"/v1/customers/{uuid.uuid4()}/messages"

    missing = await client.get(path, headers={"Authorization": ""})
    wrong = await client.get(path, headers={"Authorization": "Bearer rk_nope_nope"})

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["content-type"] == "application/problem+json"


async def test_read_only_key_can_list(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    await queue_invoice_notice(session, clock, customer_id)
    read_only = await api_key_headers(session, Scope.READ)

    response = await client.get(f"/v1/customers/{customer_id}/messages", headers=read_only)

    assert response.status_code == 200
    assert [m["kind"] for m in response.json()["items"]] == ["invoice_issued"]


async def test_paging_returns_every_message_once_while_more_are_queued(
    client: httpx.AsyncClient, session: AsyncSession, clock: ManualClock
) -> None:
    customer_id = uuid.uuid4()
    before = [await queue_invoice_notice(session, clock, customer_id) for _ in range(17)]
    queued: list[InvoiceIssued] = []

    async def another_is_queued() -> None:
        queued.append(await queue_invoice_notice(session, clock, customer_id))

    listed = await page_through(
        client, f"/v1/customers/{customer_id}/messages", limit=4, between_pages=another_is_queued
    )

    references = [m["reference_id"] for m in listed]
    assert len(references) == len(set(references)), "no message is listed twice"
    assert {str(e.invoice_id) for e in before} <= set(references), "none that existed is missing"
    assert len(queued) >= 4
    keys = [(datetime.fromisoformat(m["created_at"]), m["id"]) for m in listed]
    assert keys == sorted(keys)


async def test_bad_cursor_is_a_422_naming_it(client: httpx.AsyncClient) -> None:
    await assert_bad_cursors_are_422_naming_cursor(
        client, f"/v1/customers/{uuid.uuid4()}/messages", list_name="messages", key_size=2
    )


async def test_limit_is_bounded(client: httpx.AsyncClient) -> None:
    await assert_limit_is_bounded(client, f"/v1/customers/{uuid.uuid4()}/messages")
