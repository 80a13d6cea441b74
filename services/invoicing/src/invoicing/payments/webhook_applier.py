"""Allocation behind the webhook inbox: the PaymentApplier the webhook worker calls.

Registered at import (invoicing.definition imports this module). A delivery's payment is
stored and allocated like any other (service.receive_payment), keyed "webhook:source:id", so a
sender that retries, or two deliveries of one payment, apply it once.

Out of order: a payment that names invoice numbers none of which exists yet, and that nothing
else matches to a customer (payer IBAN or name, an advice's reference), is parked by the
worker and stores nothing (decided by the matching that allocates it, in the same look-up);
it is tried again after the worker's retry interval and applied once an invoice it names has
been issued. It waits at most WAIT_FOR_INVOICES_DAYS after the day it was received: then it is
stored like any payment nothing matches, in the unmatched queue for a person (a typo in the
number, or a sender's own ids, must not keep it parked for ever). A payment in
a currency its customer is not invoiced in is stored as parked_currency (the unmatched queue):
the delivery is done, the payment waits for a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.payments.batch import receive_payments
from invoicing.payments.models import PaymentSource
from invoicing.payments.service import IncomingPayment as Payment
from invoicing.payments.service import receive_payment_unless_early
from invoicing.webhooks.adapters import IncomingPayment
from invoicing.webhooks.applier import ApplyOutcome, register_payment_applier
from receivables_shared.clock import Clock

#: How long a payment naming invoices not issued yet waits for them before it is unmatched.
WAIT_FOR_INVOICES_DAYS = 3


class AllocatingApplier:
    """Allocation for webhook deliveries, as of the worker's business date (its clock)."""

    async def apply(
        self, session: AsyncSession, clock: Clock, payment: IncomingPayment
    ) -> ApplyOutcome:
        received = await receive_payment_unless_early(
            session, clock, _payment(payment), wait=_may_wait(clock, payment)
        )
        return _outcome(payment, received is not None)

    async def apply_batch(
        self, session: AsyncSession, clock: Clock, payments: Sequence[IncomingPayment]
    ) -> list[ApplyOutcome]:
        """The batch's payments set-based (payments/batch.py), as `apply` one by one would."""
        received = await receive_payments(
            session,
            clock,
            [_payment(payment) for payment in payments],
            [_may_wait(clock, payment) for payment in payments],
        )
        return [
            _outcome(payment, stored) for payment, stored in zip(payments, received, strict=True)
        ]


def _may_wait(clock: Clock, payment: IncomingPayment) -> bool:
    return clock.today() - payment.received_on <= timedelta(days=WAIT_FOR_INVOICES_DAYS)


def _payment(payment: IncomingPayment) -> Payment:
    return Payment(
        source=PaymentSource.WEBHOOK,
        source_key=f"webhook:{payment.source}:{payment.external_id}",
        amount=payment.amount,
        currency=payment.currency,
        received_on=payment.received_on,
        method="bank_transfer",
        reference=payment.reference,
        payer_name=payment.payer_name,
        payer_iban=payment.payer_iban,
        invoice_numbers=tuple(n.upper() for n in payment.invoice_numbers),
    )


def _outcome(payment: IncomingPayment, stored: bool) -> ApplyOutcome:
    if not stored:
        return ApplyOutcome.parked(
            "the invoices it names are not known yet: " + ", ".join(payment.invoice_numbers[:5])
        )
    return ApplyOutcome.applied()


register_payment_applier(AllocatingApplier())
