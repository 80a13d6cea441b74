"""A small demo data set, loaded through the public APIs so a newcomer sees events flow.

Idempotent: every request carries an Idempotency-Key derived from the demo record, so a second
`make demo` gets the first answers back and creates nothing (within the services'
IDEMPOTENCY_RETENTION_HOURS, 24 h by default; `make reset` starts from nothing).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import httpx
from rich.table import Table

from receivables_shared.devstack.summary import console


@dataclass(frozen=True)
class DemoCustomer:
    slug: str  # names the demo record in its idempotency keys
    name: str
    country: str
    language: str
    invoices: tuple[str, ...]  # line amounts


CUSTOMERS = (
    DemoCustomer("baltijas-koks", "SIA Baltijas Koks", "LV", "lv", ("1200.00",)),
    DemoCustomer("balkan-trade", "Балкан Трейд ЕООД", "BG", "bg", ("1200.00", "350.50")),
    DemoCustomer("severny-veter", "ООО Северный Ветер", "RU", "ru", ("1200.00", "350.50", "99.90")),
)

#: The legal tender of each demo country, with the day it changed.
#: Bulgaria adopted the euro on 2026-01-01 (Council Decision (EU) 2025/1407).
_CURRENCY_CHANGES: dict[str, tuple[tuple[date, str], ...]] = {
    "LV": ((date(2014, 1, 1), "EUR"),),
    "BG": ((date(1999, 7, 5), "BGN"), (date(2026, 1, 1), "EUR")),
    "RU": ((date(1998, 1, 1), "RUB"),),
}


def currency_of(country: str, on: date) -> str:
    """The currency `country` used on `on` (for the countries of the demo)."""
    current = None
    for since, currency in _CURRENCY_CHANGES[country]:
        if on >= since:
            current = currency
    if current is None:
        raise ValueError(f"no currency known for {country} on {on}")
    return current


def say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


async def _issue(
    invoicing: httpx.AsyncClient, invoice: dict[str, object], idempotency_key: str
) -> dict[str, object]:
    """One POST: invoicing knows a customer created a moment ago (read-your-writes)."""
    response = await invoicing.post(
        "/v1/invoices", json=invoice, headers={"Idempotency-Key": idempotency_key}
    )
    created: dict[str, object] = response.raise_for_status().json()
    return created


async def _receivables_seen(
    collections: httpx.AsyncClient, customer_id: object, expected: int
) -> int:
    """Collections learns of invoices from InvoiceIssued, a moment after they are issued."""
    seen = 0
    for _ in range(100):
        response = await collections.get(f"/v1/customers/{customer_id}/receivables")
        seen = len(response.json()["items"])
        if seen >= expected:
            break
        await asyncio.sleep(0.1)
    return seen


async def load_demo(
    api_key: str, api_urls: Mapping[str, str], *, today: date | None = None
) -> None:
    today = today or date.today()
    headers = {"Authorization": f"Bearer {api_key}"}
    table = Table(title=f"demo data ({today})", title_justify="left")
    for column in ("customer", "country", "invoice", "total", "collections: open"):
        table.add_column(column)
    async with (
        httpx.AsyncClient(base_url=api_urls["credit-policy"], headers=headers) as credit_policy,
        httpx.AsyncClient(base_url=api_urls["invoicing"], headers=headers) as invoicing,
        httpx.AsyncClient(base_url=api_urls["collections"], headers=headers) as collections,
        httpx.AsyncClient(base_url=api_urls["analytics"], headers=headers) as analytics,
    ):
        for customer in CUSTOMERS:
            currency = currency_of(customer.country, today)
            body = {
                "name": customer.name,
                "country": customer.country,
                "language": customer.language,
                "currency": currency,
            }
            response = await credit_policy.post(
                "/v1/customers",
                json=body,
                headers={"Idempotency-Key": f"demo-customer-{customer.slug}-{currency}"},
            )
            created = response.raise_for_status().json()
            issued: list[tuple[str, str]] = []
            for number, amount in enumerate(customer.invoices, start=1):
                invoice = await _issue(
                    invoicing,
                    {
                        "customer_id": created["id"],
                        "currency": currency,
                        "lines": [{"description": "Consulting", "unit_price": amount}],
                    },
                    f"demo-invoice-{customer.slug}-{currency}-{number}",
                )
                issued.append((str(invoice["number"]), f"{invoice['total']} {invoice['currency']}"))
            seen = await _receivables_seen(collections, created["id"], len(customer.invoices))
            for index, (invoice_number, total) in enumerate(issued):
                first = index == 0
                table.add_row(
                    customer.name if first else "",
                    customer.country if first else "",
                    invoice_number,
                    total,
                    str(seen) if first else "",
                )
        summary = (await analytics.get("/v1/receivables/invoiced")).json()
    totals = Table(title="analytics: invoiced per currency", title_justify="left")
    for column in ("currency", "invoices", "invoiced"):
        totals.add_column(column)
    for row in summary.get("totals", []):
        totals.add_row(str(row["currency"]), str(row["invoices"]), str(row["invoiced"]))
    out = console()
    out.print(table)
    out.print(totals)
