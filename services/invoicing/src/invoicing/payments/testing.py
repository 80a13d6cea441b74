"""Plain helpers for tests of payments (and of the intakes built on them): real API, real
database, no mocks."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.payments.models import Payment, PaymentSource
from invoicing.payments.service import IncomingPayment, receive_payment
from invoicing.terms.repository import CustomerTermsRepository
from invoicing.testing import issue, outbox_events
from receivables_shared.clock import Clock


async def issue_for(
    client: httpx.AsyncClient,
    customer_id: uuid.UUID,
    gross: str,
    *,
    currency: str = "EUR",
    **overrides: Any,
) -> Any:
    """An invoice of one line whose total is `gross` (no tax)."""
    line = {"description": "Work", "quantity": "1", "unit_price": gross}
    return await issue(client, customer_id, currency=currency, lines=[line], **overrides)


async def pay_by_hand(
    client: httpx.AsyncClient,
    customer_id: uuid.UUID,
    amount: str,
    *,
    currency: str = "EUR",
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> httpx.Response:
    body = {"customer_id": str(customer_id), "amount": amount, "currency": currency, **fields}
    return await client.post("/v1/payments", json=body, headers=headers or {})


async def bank_payment(
    session: AsyncSession,
    clock: Clock,
    amount: str,
    *,
    currency: str = "EUR",
    key: str | None = None,
    received_on: date | None = None,
    **fields: Any,
) -> Payment:
    """A payment as a bank statement entry brings it: no customer, what the bank tells."""
    payment, _ = await receive_payment(
        session,
        clock,
        IncomingPayment(
            source=PaymentSource.BANK_STATEMENT,
            source_key=key or f"LV00TEST:{uuid.uuid4()}",
            amount=Decimal(amount),
            currency=currency,
            received_on=received_on or clock.today(),
            **fields,
        ),
    )
    return payment


async def give_discount_terms(
    session: AsyncSession, customer_id: uuid.UUID, *, percent: str = "2", days: int = 10
) -> None:
    await CustomerTermsRepository(session).keep_newest(
        customer_id,
        {
            "terms_version": 1,
            "effective_on": date(2026, 1, 1),
            "credit_allowed": True,
            "currency": "EUR",
            "payment_term_days": 30,
            "business_day_rule": "none",
            "early_payment_discount_percent": Decimal(percent),
            "early_payment_discount_days": days,
            "late_interest_percent_per_month": Decimal(0),
            "interest_grace_days": 0,
            "grace_days": 0,
        },
    )


async def event_payloads(session: AsyncSession, event_type: str) -> list[dict[str, Any]]:
    return [row.payload for row in await outbox_events(session, event_type)]


async def payments_of(session: AsyncSession, customer_id: uuid.UUID | None) -> list[Payment]:
    statement = select(Payment).order_by(Payment.created_at, Payment.id)
    statement = statement.where(
        Payment.customer_id == customer_id if customer_id else Payment.customer_id.is_(None)
    )
    return list((await session.scalars(statement.execution_options(populate_existing=True))).all())
