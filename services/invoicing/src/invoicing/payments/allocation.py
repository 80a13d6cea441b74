"""Allocation: how a payment of a known customer is spread over that customer's invoices.

The rule (docs/payments.md, Allocation), for a payment in the customer's currency:

1. The invoices the payment names (invoice_ids given by a person, invoice numbers or RF
   references found in its reference or remittance text, or those of its linked advice), in
   the order named; disputed ones too, since the payer chose them.
2. Then the customer's other open invoices, oldest due date first (then issue date, number);
   disputed invoices wait for a person.
3. Each invoice takes at most its open amount. The open amount includes the invoice's late
   fees and interest, which were posted after the principal: a partial payment pays the fees
   and interest first and what stays open is principal.
4. Early-payment discount: applied on or before the invoice's discount_until, an amount of at
   least (open - discount_amount) settles the invoice: the payment pays open - discount and the
   discount is its own ledger movement (kind discount) and EarlyPaymentDiscountTaken. Once per
   invoice.
5. What is left goes on the customer's credit balance (CreditBalanceChanged), consumed by the
   customer's next invoices when they are issued (`consume_credit`, PaymentApplied with
   funded_by "credit_balance"), oldest payment first.

Every change of an open amount goes through invoicing.ledger.post_movement. Concurrency: one
allocation per customer at a time (a transaction-scoped advisory lock), and invoices are locked
in id order, so two payments on one invoice never both see its old open amount.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.invoices.models import Invoice
from invoicing.ledger.models import MovementKind
from invoicing.ledger.service import post_movement
from invoicing.payments.events import (
    credit_balance_changed,
    discount_taken,
    payment_applied,
    payment_reversed,
)
from invoicing.payments.models import FundedBy, Payment, PaymentAllocation, PaymentState
from invoicing.payments.repository import PAYABLE_STATES, PaymentRepository
from receivables_shared.clock import Clock
from receivables_shared.outbox import record_event

ZERO = Decimal(0)


async def allocate(
    session: AsyncSession,
    clock: Clock,
    payment: Payment,
    named_invoice_ids: Sequence[uuid.UUID] = (),
) -> None:
    """Apply the payment's unapplied amount by the rule above; the rest becomes credit."""
    customer_id = payment.customer_id
    assert customer_id is not None, "allocate a payment only once its customer is known"
    repository = PaymentRepository(session)
    await repository.lock_customer(customer_id)
    remaining = payment.unapplied_amount
    touched: list[uuid.UUID] = []

    named = list(dict.fromkeys(named_invoice_ids))
    if named:
        locked = await repository.lock_invoices(named)
        for invoice_id in named:
            invoice = locked.get(invoice_id)
            touched.append(invoice_id)
            if remaining <= 0 or invoice is None or not _payable(invoice, payment):
                continue
            remaining -= await _apply(session, clock, payment, invoice, remaining, FundedBy.PAYMENT)

    while remaining > 0:
        batch = await repository.oldest_due_first(
            customer_id, payment.currency, remaining, exclude=touched
        )
        if not batch:
            break
        locked = await repository.lock_invoices(batch)
        for invoice_id in batch:  # due-date order; locked in id order above
            touched.append(invoice_id)
            invoice = locked[invoice_id]
            if remaining > 0 and invoice.open_amount > 0:
                remaining -= await _apply(
                    session, clock, payment, invoice, remaining, FundedBy.PAYMENT
                )

    payment.unapplied_amount = remaining
    if remaining > 0:
        await _change_credit(session, clock, payment, remaining, payment.received_on, None)
    payment.state = state_after_allocation(payment.amount, remaining)
    await session.flush()


# -- the rules on plain values: this module's path and the webhook batch (batch.py) share them


def state_after_allocation(amount: Decimal, unapplied: Decimal) -> PaymentState:
    if unapplied == 0:
        return PaymentState.APPLIED
    return PaymentState.CREDIT if unapplied == amount else PaymentState.PARTIALLY_APPLIED


def payable_when_named(
    *,
    invoice_customer_id: uuid.UUID,
    invoice_currency: str,
    invoice_state: str,
    open_amount: Decimal,
    customer_id: uuid.UUID | None,
    currency: str,
) -> bool:
    """Rule 1: a named invoice takes the payment if it is the customer's, in its currency,
    open, and payable (disputed too: the payer chose it)."""
    return (
        invoice_customer_id == customer_id
        and invoice_currency == currency
        and invoice_state in PAYABLE_STATES
        and open_amount > 0
    )


def applied_on_for(received_on: date, issue_date: date) -> date:
    """Money cannot settle an invoice before it existed: a payment that came first (or a
    credit balance) is applied as of the issue date."""
    return max(received_on, issue_date)


def discount_offered(
    *,
    open_amount: Decimal,
    available: Decimal,
    applied_on: date,
    discount_until: date | None,
    discount_amount: Decimal | None,
) -> Decimal:
    """Rule 4, before asking whether the invoice's discount was taken already: the discount
    an amount of `available` earns on the invoice (0 if none)."""
    if (
        discount_until is not None
        and discount_amount
        and applied_on <= discount_until
        and open_amount > discount_amount
        and available >= open_amount - discount_amount
    ):
        return discount_amount
    return ZERO


async def consume_credit(session: AsyncSession, clock: Clock, invoice: Invoice) -> None:
    """A newly issued invoice takes what its customer has on the credit balance in its
    currency, oldest overpayment first (call after the issue movement is posted)."""
    repository = PaymentRepository(session)
    await repository.lock_customer(invoice.customer_id)
    for payment in await repository.credit_payments(invoice.customer_id, invoice.currency):
        if invoice.open_amount <= 0:
            break
        used = await _apply(
            session, clock, payment, invoice, payment.unapplied_amount, FundedBy.CREDIT_BALANCE
        )
        if used == 0:
            continue
        payment.unapplied_amount -= used
        payment.state = (
            PaymentState.APPLIED
            if payment.unapplied_amount == 0
            else PaymentState.PARTIALLY_APPLIED
        )
        await _change_credit(session, clock, payment, -used, invoice.issue_date, invoice.id)
    await session.flush()


async def reverse(
    session: AsyncSession, clock: Clock, payment: Payment, reversed_on: date, reason: str
) -> None:
    """Undo everything the payment did: re-open what it paid (discounts included) on every
    invoice, take its rest off the credit balance. Calling it twice changes nothing more."""
    if payment.state == PaymentState.REVERSED:
        return
    repository = PaymentRepository(session)
    customer_id = payment.customer_id
    if customer_id is not None:
        await repository.lock_customer(customer_id)
        allocations = [a for a in await repository.allocations_of(payment.id) if not a.reversed]
        invoices = await repository.lock_invoices([a.invoice_id for a in allocations])
        for allocation in sorted(allocations, key=lambda a: a.invoice_id):
            invoice = invoices[allocation.invoice_id]
            reopened = allocation.amount + allocation.discount_amount
            movement = await post_movement(
                session,
                invoice,
                kind=MovementKind.PAYMENT_REVERSAL,
                amount=reopened,
                business_date=max(reversed_on, invoice.issue_date),
                source_id=payment.id,
            )
            allocation.reversed = True
            record_event(
                session,
                payment_reversed(
                    payment,
                    customer_id,
                    reopened,
                    reversed_on,
                    invoice,
                    discount=allocation.discount_amount,
                    movement_sequence=movement.sequence,
                ),
                clock=clock,
            )
        on_credit = payment.state in (PaymentState.CREDIT, PaymentState.PARTIALLY_APPLIED)
        if on_credit and payment.unapplied_amount > 0:
            await _change_credit(
                session, clock, payment, -payment.unapplied_amount, reversed_on, None
            )
            record_event(
                session,
                payment_reversed(payment, customer_id, payment.unapplied_amount, reversed_on, None),
                clock=clock,
            )
    payment.state = PaymentState.REVERSED
    payment.unapplied_amount = ZERO
    payment.reversed_on = reversed_on
    payment.reversal_reason = reason
    await session.flush()


def _payable(invoice: Invoice, payment: Payment) -> bool:
    return payable_when_named(
        invoice_customer_id=invoice.customer_id,
        invoice_currency=invoice.currency,
        invoice_state=invoice.state,
        open_amount=invoice.open_amount,
        customer_id=payment.customer_id,
        currency=payment.currency,
    )


async def _apply(
    session: AsyncSession,
    clock: Clock,
    payment: Payment,
    invoice: Invoice,
    available: Decimal,
    funded_by: FundedBy,
) -> Decimal:
    """Apply up to `available` of the payment to one locked invoice: the cash used."""
    repository = PaymentRepository(session)
    applied_on = applied_on_for(payment.received_on, invoice.issue_date)
    open_amount = invoice.open_amount
    discount = discount_offered(
        open_amount=open_amount,
        available=available,
        applied_on=applied_on,
        discount_until=invoice.discount_until,
        discount_amount=invoice.discount_amount,
    )
    if discount > 0 and await repository.discount_taken(invoice.id):
        discount = ZERO  # once per invoice
    cash = min(available, open_amount - discount)
    if cash <= 0:
        return ZERO
    paid = await post_movement(
        session,
        invoice,
        kind=MovementKind.PAYMENT,
        amount=-cash,
        business_date=applied_on,
        source_id=payment.id,
    )
    record_event(
        session,
        payment_applied(payment, invoice, cash, applied_on, funded_by, paid.sequence),
        clock=clock,
    )
    if discount > 0:
        discounted = await post_movement(
            session,
            invoice,
            kind=MovementKind.DISCOUNT,
            amount=-discount,
            business_date=applied_on,
            source_id=payment.id,
        )
        record_event(
            session, discount_taken(invoice, discount, applied_on, discounted.sequence), clock=clock
        )
    await repository.add_allocation(
        PaymentAllocation(
            payment_id=payment.id,
            invoice_id=invoice.id,
            amount=cash,
            discount_amount=discount,
            applied_on=applied_on,
            funded_by=funded_by.value,
        )
    )
    return cash


async def _change_credit(
    session: AsyncSession,
    clock: Clock,
    payment: Payment,
    change: Decimal,
    business_date: date,
    invoice_id: uuid.UUID | None,
) -> None:
    assert payment.customer_id is not None
    balance = await PaymentRepository(session).change_credit(
        customer_id=payment.customer_id,
        currency=payment.currency,
        change=change,
        business_date=business_date,
        payment_id=payment.id,
        invoice_id=invoice_id,
    )
    record_event(
        session,
        credit_balance_changed(
            customer_id=payment.customer_id,
            currency=payment.currency,
            change=change,
            balance=balance,
            changed_on=business_date,
            payment_id=payment.id,
            invoice_id=invoice_id,
        ),
        clock=clock,
    )
