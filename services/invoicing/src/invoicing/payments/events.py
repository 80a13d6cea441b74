"""Catalogue events built from payments (docs/payments.md, Events)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from invoicing.invoices.models import Invoice
from invoicing.invoices.pricing import round_to_currency
from invoicing.payments.batch_repository import LockedInvoice, NewPayment
from invoicing.payments.models import Payment
from receivables_shared.events import (
    CreditBalanceChanged,
    EarlyPaymentDiscountTaken,
    PaymentApplied,
    PaymentReceived,
    PaymentReversed,
)


def _money(amount: Decimal, currency: str) -> Decimal:
    return round_to_currency(amount, currency)


def payment_received(payment: Payment | NewPayment, customer_id: uuid.UUID) -> PaymentReceived:
    return PaymentReceived(
        customer_id=customer_id,
        payment_id=payment.id,
        currency=payment.currency,
        amount=_money(payment.amount, payment.currency),
        received_on=payment.received_on,
        reference=payment.reference,
        source=payment.source,
        method=payment.method,
        payer_name=payment.payer_name,
    )


def payment_applied(
    payment: Payment | NewPayment,
    invoice: Invoice | LockedInvoice,
    amount: Decimal,
    applied_on: date,
    funded_by: str,
    movement_sequence: int,
) -> PaymentApplied:
    return PaymentApplied(
        customer_id=invoice.customer_id,
        payment_id=payment.id,
        invoice_id=invoice.id,
        currency=invoice.currency,
        amount=_money(amount, invoice.currency),
        applied_on=applied_on,
        open_amount=_money(invoice.open_amount, invoice.currency),
        days_late=(applied_on - invoice.due_date).days,
        funded_by=funded_by,
        movement_sequence=movement_sequence,
    )


def discount_taken(
    invoice: Invoice | LockedInvoice, amount: Decimal, taken_on: date, movement_sequence: int
) -> EarlyPaymentDiscountTaken:
    return EarlyPaymentDiscountTaken(
        customer_id=invoice.customer_id,
        invoice_id=invoice.id,
        currency=invoice.currency,
        amount=_money(amount, invoice.currency),
        taken_on=taken_on,
        open_amount=_money(invoice.open_amount, invoice.currency),
        movement_sequence=movement_sequence,
    )


def credit_balance_changed(
    *,
    customer_id: uuid.UUID,
    currency: str,
    change: Decimal,
    balance: Decimal,
    changed_on: date,
    payment_id: uuid.UUID,
    invoice_id: uuid.UUID | None,
) -> CreditBalanceChanged:
    return CreditBalanceChanged(
        customer_id=customer_id,
        currency=currency,
        change=_money(change, currency),
        balance=_money(balance, currency),
        changed_on=changed_on,
        payment_id=payment_id,
        invoice_id=invoice_id,
    )


def payment_reversed(
    payment: Payment,
    customer_id: uuid.UUID,
    amount: Decimal,
    reversed_on: date,
    invoice: Invoice | None,
    discount: Decimal = Decimal(0),
    movement_sequence: int | None = None,
) -> PaymentReversed:
    """`amount` re-opened, of which `discount` was the early-payment discount it had earned;
    no invoice and no movement for credit taken back from the balance."""
    return PaymentReversed(
        customer_id=customer_id,
        payment_id=payment.id,
        invoice_id=invoice.id if invoice is not None else None,
        currency=payment.currency,
        amount=_money(amount, payment.currency),
        reversed_on=reversed_on,
        open_amount=(
            _money(invoice.open_amount, invoice.currency) if invoice is not None else None
        ),
        discount=_money(discount, payment.currency) if discount else None,
        movement_sequence=movement_sequence,
    )
