"""Payments: received (manual, webhook, bank statement), matched to a customer, allocated,
assigned by a person from the unmatched queue, reversed. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.payments.allocation import allocate, reverse
from invoicing.payments.events import payment_received
from invoicing.payments.matching import find_customer, learn_payer, normalize_iban
from invoicing.payments.models import (
    ASSIGNABLE_STATES,
    CreditBalance,
    CreditBalanceMovement,
    Payment,
    PaymentAllocation,
    PaymentSource,
    PaymentState,
)
from invoicing.payments.repository import PaymentFilters, PaymentRepository
from invoicing.payments.schemas import AssignRequest, ManualPaymentCreate, ReversalRequest
from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField, NotFound, ProblemError
from receivables_shared.money import fits_minor_units, minor_units
from receivables_shared.outbox import record_event
from receivables_shared.pagination import PageRequest

#: How many days apart an advice's date and a payment's date may be and still match.
ADVICE_MATCH_DAYS = 14


@dataclass(frozen=True)
class IncomingPayment:
    """One payment as any intake (webhook adapter, bank statement entry, collector) sees it."""

    source: PaymentSource
    #: Unique per real payment: a repeat with the same key is the same payment.
    source_key: str
    amount: Decimal
    currency: str
    received_on: date
    method: str = "bank_transfer"
    reference: str | None = None
    remittance_text: str | None = None
    payer_name: str | None = None
    payer_iban: str | None = None
    end_to_end_id: str | None = None
    #: Known to the sender (a person, or accounting software that has our customer id).
    customer_id: uuid.UUID | None = None
    invoice_ids: tuple[uuid.UUID, ...] = ()
    invoice_numbers: tuple[str, ...] = ()


async def receive_payment(
    session: AsyncSession, clock: Clock, incoming: IncomingPayment
) -> tuple[Payment, bool]:
    """Store and allocate a payment once: (the payment, True) the first time; a repeat of the
    same source_key returns the stored payment and False, and changes nothing."""
    received = await receive_payment_unless_early(session, clock, incoming, wait=False)
    assert received is not None, "only a payment that may wait is left unstored"
    return received


async def receive_payment_unless_early(
    session: AsyncSession, clock: Clock, incoming: IncomingPayment, *, wait: bool = True
) -> tuple[Payment, bool] | None:
    """`receive_payment`, except that a new payment naming invoice numbers none of which is
    known yet, and that nothing else matches to a customer, is not stored (None): it came
    before its invoices, and its sender (the webhook worker) tries it again later."""
    repository = PaymentRepository(session)
    values = new_payment_values(incoming)
    # Matched before it is stored, so the row is inserted with its customer (no UPDATE after).
    match = await find_customer(
        repository,
        Payment(**values),  # transient: matching reads its fields only
        customer_id=incoming.customer_id,
        invoice_numbers=incoming.invoice_numbers,
    )
    if (
        wait
        and match.customer_id is None
        and incoming.invoice_numbers
        and await repository.by_source_key(incoming.source_key[:300]) is None
    ):
        return None
    values["customer_id"] = match.customer_id
    payment = await repository.insert_new(values)
    if payment is None:
        existing = await repository.by_source_key(incoming.source_key[:300])
        assert existing is not None
        return existing, False
    if match.customer_id is None:
        return payment, True  # the unmatched queue
    named = [*incoming.invoice_ids, *match.invoice_ids]
    # Matched by a known IBAN or name: nothing new to learn.
    learned_from = {"person": "assignment", "reference": "match"}.get(match.matched_by or "")
    await _attribute(
        session, clock, payment, match.customer_id, named, learned_from, newly_created=True
    )
    return payment, True


def new_payment_values(incoming: IncomingPayment) -> dict[str, Any]:
    """The row of a new payment, not matched yet (every intake, one payment or a batch)."""
    _check_amount(incoming.amount, incoming.currency)
    return {
        "id": uuid.uuid4(),
        "customer_id": None,
        "source": incoming.source.value,
        "source_key": incoming.source_key[:300],
        "method": incoming.method[:40],
        "amount": incoming.amount,
        "currency": incoming.currency,
        "received_on": incoming.received_on,
        "reference": _cut(incoming.reference, 140),
        "remittance_text": _cut(incoming.remittance_text, 1000),
        "payer_name": _cut(incoming.payer_name, 200),
        "payer_iban": normalize_iban(incoming.payer_iban),
        "end_to_end_id": _cut(incoming.end_to_end_id, 140),
        "state": PaymentState.UNMATCHED.value,
        "unapplied_amount": incoming.amount,
    }


async def create_manual_payment(
    session: AsyncSession, clock: Clock, data: ManualPaymentCreate, source_key: str
) -> Payment:
    await _require_customer(session, data.customer_id, "customer_id")
    await _require_invoices(session, data.customer_id, data.invoice_ids)
    payment, _ = await receive_payment(
        session,
        clock,
        IncomingPayment(
            source=PaymentSource.MANUAL,
            source_key=source_key,
            amount=data.amount,
            currency=data.currency,
            received_on=data.received_on or clock.today(),
            method=data.method,
            reference=data.reference,
            payer_name=data.payer_name,
            payer_iban=data.payer_iban,
            customer_id=data.customer_id,
            invoice_ids=tuple(data.invoice_ids),
        ),
    )
    return payment


async def assign_payment(
    session: AsyncSession, clock: Clock, payment_id: uuid.UUID, data: AssignRequest
) -> Payment:
    """A person says whose money an unmatched (or currency-parked) payment is."""
    repository = PaymentRepository(session)
    payment = await repository.get(payment_id, lock=True)
    if payment is None:
        raise NotFound("Payment", payment_id)
    if payment.state not in ASSIGNABLE_STATES:
        raise ProblemError(
            409, f"payment {payment_id} is {payment.state}: only unmatched or parked payments"
        )
    customer = await repository.customer_exists(data.customer_id)
    if customer is None:
        raise InvalidField("customer_id", f"customer {data.customer_id} is not known to invoicing")
    if customer.currency != payment.currency:
        raise InvalidField(
            "customer_id",
            f"the customer is invoiced in {customer.currency}, the payment is in "
            f"{payment.currency}: payments are never converted",
        )
    await _require_invoices(session, data.customer_id, data.invoice_ids)
    await _attribute(session, clock, payment, data.customer_id, data.invoice_ids, "assignment")
    return payment


async def reverse_payment(
    session: AsyncSession, clock: Clock, payment_id: uuid.UUID, data: ReversalRequest
) -> Payment:
    repository = PaymentRepository(session)
    payment = await repository.get(payment_id, lock=True)
    if payment is None:
        raise NotFound("Payment", payment_id)
    if payment.state == PaymentState.REVERSED:
        raise ProblemError(409, f"payment {payment_id} is already reversed")
    reversed_on = data.reversed_on or clock.today()
    if reversed_on < payment.received_on:
        raise InvalidField("reversed_on", "must not be before the payment was received")
    await reverse(session, clock, payment, reversed_on, data.reason)
    return payment


async def reverse_entry(
    session: AsyncSession,
    clock: Clock,
    payment_id: uuid.UUID,
    reversal_key: str,
    reversed_on: date,
    reason: str,
) -> Payment:
    """Reverse the payment a bank's reversal or return entry names; the entry's key is kept
    so that the same entry in another file acts once."""
    payment = await PaymentRepository(session).get(payment_id, lock=True)
    if payment is None:
        raise NotFound("Payment", payment_id)
    payment.reversal_key = reversal_key[:300]
    await reverse(session, clock, payment, max(reversed_on, payment.received_on), reason)
    return payment


async def get_payment(
    session: AsyncSession, payment_id: uuid.UUID
) -> tuple[Payment, Sequence[PaymentAllocation]]:
    repository = PaymentRepository(session)
    payment = await repository.get(payment_id)
    if payment is None:
        raise NotFound("Payment", payment_id)
    return payment, await repository.allocations_of(payment.id)


async def list_payments(
    session: AsyncSession, filters: PaymentFilters, page: PageRequest
) -> tuple[list[Payment], str | None]:
    return await PaymentRepository(session).page(filters, page)


async def unmatched_payments(
    session: AsyncSession, page: PageRequest
) -> tuple[list[Payment], str | None]:
    return await PaymentRepository(session).unmatched_page(page)


async def credit_balance_of(
    session: AsyncSession, customer_id: uuid.UUID, movements: int
) -> tuple[Sequence[CreditBalance], Sequence[CreditBalanceMovement]]:
    repository = PaymentRepository(session)
    if await repository.customer_exists(customer_id) is None:
        raise NotFound("Customer", customer_id)
    return (
        await repository.credit_balances_of(customer_id),
        await repository.credit_movements_of(customer_id, movements),
    )


async def _attribute(
    session: AsyncSession,
    clock: Clock,
    payment: Payment,
    customer_id: uuid.UUID,
    named_invoice_ids: Sequence[uuid.UUID],
    learned_from: str | None,
    *,
    newly_created: bool = False,
) -> None:
    """The payment is the customer's: announce it, link an advice, park or allocate it."""
    repository = PaymentRepository(session)
    customer = await repository.customer_exists(customer_id)
    assert customer is not None
    # A new payment is stored with its customer already: announced all the same.
    newly_attributed = newly_created or payment.customer_id != customer_id
    payment.customer_id = customer_id
    if newly_attributed:
        record_event(session, payment_received(payment, customer_id), clock=clock)
    if learned_from:
        await learn_payer(repository, payment, customer_id, learned_from)

    named = list(named_invoice_ids)
    # Linked already when a person assigns a payment an advice had matched before.
    advice = None if newly_created else await repository.advice_of_payment(payment.id)
    if advice is None:
        advice = await repository.matching_advice(
            customer_id=customer_id,
            currency=payment.currency,
            amount=payment.amount,
            received_on=payment.received_on,
            window_days=ADVICE_MATCH_DAYS,
            references=[ref for ref in (payment.reference,) if ref],
        )
        if advice is not None:
            await repository.link_advice(advice.id, payment.id, clock.today())
    if advice is not None and not named and advice.invoice_numbers:
        invoices = await repository.invoices_by_references([], advice.invoice_numbers)
        by_number = {inv.number: inv.id for inv in invoices if inv.customer_id == customer_id}
        named = [by_number[n] for n in advice.invoice_numbers if n in by_number]

    if payment.currency != customer.currency:
        # Never converted: a person decides (refund, or assign to invoices in this currency).
        payment.state = PaymentState.PARKED_CURRENCY
        await session.flush()
        return
    await allocate(session, clock, payment, named)


async def _require_customer(session: AsyncSession, customer_id: uuid.UUID, field: str) -> None:
    if await PaymentRepository(session).customer_exists(customer_id) is None:
        raise InvalidField(field, f"customer {customer_id} is not known to invoicing")


async def _require_invoices(
    session: AsyncSession, customer_id: uuid.UUID, invoice_ids: Sequence[uuid.UUID]
) -> None:
    if not invoice_ids:
        return
    found = {inv.id: inv for inv in await PaymentRepository(session).invoices_by_ids(invoice_ids)}
    for position, invoice_id in enumerate(invoice_ids):
        invoice = found.get(invoice_id)
        if invoice is None:
            raise InvalidField(f"invoice_ids[{position}]", f"invoice {invoice_id} does not exist")
        if invoice.customer_id != customer_id:
            raise InvalidField(
                f"invoice_ids[{position}]",
                f"invoice {invoice.number} belongs to another customer",
            )


def _check_amount(amount: Decimal, currency: str) -> None:
    if amount <= 0:
        raise InvalidField("amount", "must be above zero")
    if not fits_minor_units(amount, currency):
        raise InvalidField(
            "amount", f"{currency} amounts have at most {minor_units(currency)} decimals"
        )


def _cut(value: str | None, length: int) -> str | None:
    return value[:length] if value else None
