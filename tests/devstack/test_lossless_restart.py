"""`make run` loses no event: not when it is stopped, not even when all of it is killed.

The embedded broker keeps topics in memory. Consumers are held back by locking their inbox
tables, so an invoice's InvoiceIssued is published (its outbox row marked) but applied by nobody.
Then the stack is stopped with SIGTERM (it waits for the consumers to catch up before it stops the
broker), started again (it re-publishes the retention, the inboxes drop the duplicates), and
finally every process of it is killed with SIGKILL and started again. Every invoice ends up
exactly once in collections, notifications and analytics.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import pytest

from receivables_shared.testing.helpers import eventually
from receivables_shared.testing.stack import (
    StackUnderTest,
    answers,
    duplicates_skipped,
    inboxes_locked,
    scalar,
)

pytestmark = pytest.mark.e2e

CONSUMERS = {
    # service: the table where InvoiceIssued leaves one row per invoice
    "collections": "receivables",
    "notifications": "outbound_messages",
    "analytics": "invoice_facts",
}


class Platform:
    def __init__(self, stack: StackUnderTest, key: str) -> None:
        self.stack = stack
        self.headers = {"Authorization": f"Bearer {key}"}

    async def create_customer(self) -> str:
        async with httpx.AsyncClient(headers=self.headers) as client:
            response = await client.post(
                f"{self.stack.api('credit-policy')}/v1/customers",
                json={"name": "SIA Koks", "country": "LV", "language": "lv", "currency": "EUR"},
            )
        assert response.status_code == 201, response.text
        customer_id: str = response.json()["id"]
        return customer_id

    async def issue_invoice(self, customer_id: str, amount: str) -> str:
        async def issued() -> str | None:
            async with httpx.AsyncClient(headers=self.headers) as client:
                response = await client.post(
                    f"{self.stack.api('invoicing')}/v1/invoices",
                    json={
                        "customer_id": customer_id,
                        "currency": "EUR",
                        "lines": [{"description": "Pallets", "unit_price": amount}],
                    },
                )
            if response.status_code == 422:  # invoicing has not learnt of the customer yet
                return None
            assert response.status_code == 201, response.text
            invoice_id: str = response.json()["id"]
            return invoice_id

        return await eventually(issued, timeout=60)

    async def published(self, invoice_id: str) -> bool:
        published_at = await scalar(
            self.stack.database_url("invoicing"),
            "SELECT published_at FROM outbox_events WHERE payload->>'invoice_id' = :id",
            id=invoice_id,
        )
        return published_at is not None

    async def effects(self, customer_id: str) -> dict[str, object]:
        return {
            service: await scalar(
                self.stack.database_url(service),
                f"SELECT count(*) FROM {table} WHERE customer_id = CAST(:id AS uuid)",
                id=customer_id,
            )
            for service, table in CONSUMERS.items()
        }

    def consumer_urls(self) -> list[str]:
        return [self.stack.database_url(service) for service in CONSUMERS]

    async def each_applied(self, customer_id: str, invoices: int) -> bool:
        return all(count == invoices for count in (await self.effects(customer_id)).values())

    async def redelivered_and_skipped(self, at_least: int) -> bool:
        state = self.stack.state()
        for service in CONSUMERS:
            skipped = await duplicates_skipped(state.services[service].worker_url, service)
            if skipped < at_least:
                return False
        return True


async def test_a_stopped_or_killed_stack_applies_every_event_once_after_restart(
    stack_factory: Callable[[str], StackUnderTest],
) -> None:
    began = time.monotonic()
    stack = stack_factory("lossless")
    stack.start("--drain-timeout", "120")
    await stack.ready()
    platform = Platform(stack, (stack.var_dir / "dev-api-key").read_text().strip())
    customer_id = await platform.create_customer()
    await platform.issue_invoice(customer_id, "100.00")
    await eventually(lambda: platform.each_applied(customer_id, 1), timeout=60)

    # 1. SIGTERM with an event published but not applied: the stop waits for the consumers.
    async with inboxes_locked(platform.consumer_urls()):
        second = await platform.issue_invoice(customer_id, "200.00")
        await eventually(lambda: platform.published(second), timeout=60)
        assert await platform.effects(customer_id) == dict.fromkeys(CONSUMERS, 1)
        stopping = asyncio.create_task(stack.terminate())
        api = stack.api("invoicing")
        await eventually(lambda: asyncio.to_thread(lambda: not answers(api)), timeout=60)
        await eventually(lambda: _says(stack, "waiting until every outbox"), timeout=60)
        assert stack.launcher_alive() and not stopping.done()
        assert answers(f"http://127.0.0.1:{stack.broker_port}")  # the broker is still up
    assert await stopping == 0, stack.output()
    assert "every event published and applied" in stack.output()
    assert await platform.effects(customer_id) == dict.fromkeys(CONSUMERS, 2)

    # 2. Start again: the new, empty broker gets the retention again; the inboxes drop it all.
    stack.start("--drain-timeout", "120")
    await stack.ready()
    assert "re-publishing" in stack.output()
    await eventually(lambda: platform.redelivered_and_skipped(2), timeout=60)
    assert await platform.effects(customer_id) == dict.fromkeys(CONSUMERS, 2)

    # 3. SIGKILL everything with an event published but not applied: nothing drains.
    async with inboxes_locked(platform.consumer_urls()):
        third = await platform.issue_invoice(customer_id, "300.00")
        await eventually(lambda: platform.published(third), timeout=60)
        stack.kill_everything()
    assert await platform.effects(customer_id) == dict.fromkeys(CONSUMERS, 2)

    stack.start("--drain-timeout", "120")
    await stack.ready()
    await eventually(lambda: platform.each_applied(customer_id, 3), timeout=60)
    await eventually(lambda: platform.redelivered_and_skipped(2), timeout=60)
    assert await platform.effects(customer_id) == dict.fromkeys(CONSUMERS, 3)
    assert await stack.terminate() == 0, stack.output()
    print(f"lossless restart test took {time.monotonic() - began:.0f} s")


async def _says(stack: StackUnderTest, words: str) -> bool:
    return words in stack.output()
