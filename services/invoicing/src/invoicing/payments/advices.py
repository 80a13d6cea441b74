"""Proof of payment: a remittance advice or bank receipt a debtor sends, often before the
money. A payment of the same customer that arrives later (same reference, or the same amount
dated within ADVICE_MATCH_DAYS) is linked to it, and the advice's invoice numbers steer its
allocation (service._attribute). Advices no payment matched are listed for the collector."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.payments.models import PaymentAdvice
from invoicing.payments.repository import PaymentRepository
from invoicing.payments.schemas import AdviceFields
from receivables_shared.clock import Clock
from receivables_shared.http.limits import MIB
from receivables_shared.http.problems import InvalidField, NotFound
from receivables_shared.money import fits_minor_units, minor_units
from receivables_shared.pagination import PageRequest

#: The largest file an advice may carry (a scan or a PDF receipt); the request a little more.
MAX_ADVICE_FILE_BYTES = 5 * MIB
MAX_ADVICE_REQUEST_BYTES = MAX_ADVICE_FILE_BYTES + 64 * 1024


async def create_advice(
    session: AsyncSession,
    clock: Clock,
    fields: AdviceFields,
    content: bytes | None,
    filename: str | None,
    content_type: str | None,
) -> PaymentAdvice:
    if fields.amount <= Decimal(0):
        raise InvalidField("amount", "must be above zero")
    if not fits_minor_units(fields.amount, fields.currency):
        digits = minor_units(fields.currency)
        raise InvalidField("amount", f"{fields.currency} amounts have at most {digits} decimals")
    if content is not None and len(content) > MAX_ADVICE_FILE_BYTES:
        raise InvalidField("file", f"must be at most {MAX_ADVICE_FILE_BYTES} bytes")
    repository = PaymentRepository(session)
    if await repository.customer_exists(fields.customer_id) is None:
        raise InvalidField(
            "customer_id", f"customer {fields.customer_id} is not known to invoicing"
        )
    return await repository.add_advice(
        PaymentAdvice(
            customer_id=fields.customer_id,
            amount=fields.amount,
            currency=fields.currency,
            paid_on=fields.date,
            reference=fields.reference,
            invoice_numbers=[number.upper() for number in fields.invoice_numbers],
            filename=filename[:255] if filename else None,
            content_type=content_type[:100] if content_type else None,
            content=content,
            file_size=len(content) if content is not None else 0,
            created_on=clock.today(),
        )
    )


async def get_advice(session: AsyncSession, advice_id: uuid.UUID) -> PaymentAdvice:
    advice = await PaymentRepository(session).get_advice(advice_id)
    if advice is None:
        raise NotFound("Payment advice", advice_id)
    return advice


async def list_advices(
    session: AsyncSession,
    clock: Clock,
    *,
    unmatched_after_days: int | None,
    customer_id: uuid.UUID | None,
    page: PageRequest,
) -> tuple[list[PaymentAdvice], str | None]:
    """All advices, or with unmatched_after_days=N those still without a payment N days
    after the date they state."""
    before = (
        clock.today() - timedelta(days=unmatched_after_days)
        if unmatched_after_days is not None
        else None
    )
    return await PaymentRepository(session).advices_page(
        unmatched_before=before, customer_id=customer_id, page=page
    )
