"""Plain helpers for tests of invoicing and of what builds on it (payments, jobs): no mocks,
they go through the real API and database."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.repository import KnownCustomerRepository
from invoicing.invoices.models import Invoice
from invoicing.ledger.models import InvoiceMovement
from invoicing.terms.repository import CustomerTermsRepository
from receivables_shared.events import CustomerTermsChanged
from receivables_shared.outbox.models import OutboxEvent

LINE = {"description": "Consulting, February", "quantity": "2", "unit_price": "600.25"}


async def create_known_customer(
    session: AsyncSession, *, currency: str = "EUR", country: str | None = "LV"
) -> uuid.UUID:
    customer_id = uuid.uuid4()
    await KnownCustomerRepository(session).upsert(
        customer_id=customer_id,
        name="SIA Koks",
        language="lv",
        currency=currency,
        country=country,
        time_zone="Europe/Riga",
        tax_id="LV40003245752",
    )
    return customer_id


def invoice_body(customer_id: uuid.UUID, **overrides: Any) -> dict[str, Any]:
    return {"customer_id": str(customer_id), "currency": "EUR", "lines": [LINE], **overrides}


async def issue(client: httpx.AsyncClient, customer_id: uuid.UUID, **overrides: Any) -> Any:
    response = await client.post("/v1/invoices", json=invoice_body(customer_id, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


async def stored_invoice(session: AsyncSession, invoice_id: str | uuid.UUID) -> Invoice:
    invoice = await session.get(Invoice, uuid.UUID(str(invoice_id)), populate_existing=True)
    assert invoice is not None
    return invoice


async def last_movement_sequence(session: AsyncSession, invoice_id: str | uuid.UUID) -> int:
    """The ledger sequence of the invoice's latest movement (what its event announces)."""
    sequence = await session.scalar(
        select(func.max(InvoiceMovement.sequence)).where(
            InvoiceMovement.invoice_id == uuid.UUID(str(invoice_id))
        )
    )
    assert sequence is not None
    return sequence


async def outbox_events(session: AsyncSession, event_type: str | None = None) -> list[OutboxEvent]:
    statement = select(OutboxEvent).order_by(OutboxEvent.id)
    if event_type is not None:
        statement = statement.where(OutboxEvent.event_type == f"receivables.{event_type}.v1")
    return list((await session.scalars(statement)).all())


async def count(session: AsyncSession, table: type[Any]) -> int:
    return await session.scalar(select(func.count()).select_from(table)) or 0


def error_fields(response: httpx.Response) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


def terms_changed(customer_id: uuid.UUID, version: int, **overrides: Any) -> CustomerTermsChanged:
    values: dict[str, Any] = {
        "customer_id": customer_id,
        "terms_version": version,
        "effective_on": date(2026, 3, 1),
        "risk_class": "B",
        "credit_allowed": True,
        "currency": "EUR",
        "credit_limit": Decimal("10000.00"),
        "payment_term_days": 14,
        "business_day_rule": "none",
        "prepayment_percent": Decimal(0),
        "early_payment_discount_percent": Decimal(2),
        "early_payment_discount_days": 7,
        "late_interest_percent_per_month": Decimal("1.5"),
        "interest_grace_days": 3,
        "grace_days": 10,
        "dunning_policy": None,
        "special_control": False,
    }
    return CustomerTermsChanged(**{**values, **overrides})


async def give_terms(session: AsyncSession, customer_id: uuid.UUID, **overrides: Any) -> None:
    """Terms as if CustomerTermsChanged had arrived (version 1 unless overridden)."""
    event = terms_changed(customer_id, overrides.pop("terms_version", 1), **overrides)
    values = event.model_dump(
        include={
            "terms_version", "effective_on", "credit_allowed", "currency", "payment_term_days",
            "business_day_rule", "early_payment_discount_percent", "early_payment_discount_days",
            "late_interest_percent_per_month", "interest_grace_days", "grace_days",
        }
    )  # fmt: skip
    await CustomerTermsRepository(session).keep_newest(customer_id, values)
