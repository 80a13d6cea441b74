"""A small demo data set, loaded through the public APIs so a newcomer sees events flow."""

from __future__ import annotations

import asyncio

import httpx

CUSTOMERS = [
    {"name": "SIA Baltijas Koks", "country": "LV", "language": "lv", "currency": "EUR"},
    {"name": "Балкан Трейд ЕООД", "country": "BG", "language": "bg", "currency": "BGN"},
    {"name": "ООО Северный Ветер", "country": "RU", "language": "ru", "currency": "EUR"},
]


def say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


async def _wait_until_known(
    invoicing: httpx.AsyncClient, invoice: dict[str, object]
) -> dict[str, object]:
    for _ in range(200):
        response = await invoicing.post("/v1/invoices", json=invoice)
        if response.status_code == 201:
            created: dict[str, object] = response.json()
            return created
        if response.status_code != 422 or "customer_id" not in response.text:
            response.raise_for_status()
        await asyncio.sleep(0.1)  # CustomerCreated has not reached invoicing yet
    raise TimeoutError("invoicing never learnt of the customer")


async def _receivables_seen(
    collections: httpx.AsyncClient, customer_id: object, expected: int
) -> int:
    """Collections learns of invoices from InvoiceIssued, a moment after they are issued."""
    seen = 0
    for _ in range(100):
        listing = await collections.get(f"/v1/customers/{customer_id}/receivables")
        seen = len(listing.json()["items"])  # the demo's few invoices fit on the first page
        if seen >= expected:
            break
        await asyncio.sleep(0.1)
    return seen


async def load_demo(api_key: str) -> None:
    headers = {"Authorization": f"Bearer {api_key}"}
    base = "http://127.0.0.1"
    async with (
        httpx.AsyncClient(base_url=f"{base}:8001", headers=headers) as credit_policy,
        httpx.AsyncClient(base_url=f"{base}:8002", headers=headers) as invoicing,
        httpx.AsyncClient(base_url=f"{base}:8003", headers=headers) as collections,
        httpx.AsyncClient(base_url=f"{base}:8005", headers=headers) as analytics,
    ):
        for number, customer in enumerate(CUSTOMERS, start=1):
            created = (
                (await credit_policy.post("/v1/customers", json=customer)).raise_for_status().json()
            )
            say(f"customer {created['name']} ({created['id']})")
            for amount in ("1200.00", "350.50", "99.90")[:number]:
                invoice = await _wait_until_known(
                    invoicing,
                    {
                        "customer_id": created["id"],
                        "currency": customer["currency"],
                        "lines": [{"description": "Consulting, November", "unit_price": amount}],
                    },
                )
                say(f"  invoice {invoice['number']} {invoice['total']} {invoice['currency']}")
            say(
                f"  collections: {await _receivables_seen(collections, created['id'], number)} open"
            )
        summary = (await analytics.get("/v1/receivables/invoiced")).json()
        say(f"analytics: {summary}")
