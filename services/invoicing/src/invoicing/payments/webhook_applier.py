"""Allocation behind the webhook inbox: the PaymentApplier the webhook worker calls.

Registered at import (invoicing.definition imports this module). A delivery's payment is
stored and allocated like any other (service.receive_payment), keyed "webhook:source:id", so a
sender that retries, or two deliveries of one payment, apply it once.

Out of order: a payment that names invoice numbers none of which exists yet, and whose payer
nothing else identifies, is parked by the worker and stores nothing; it is tried again after
the worker's retry interval and applied once an invoice it names has been issued. A payment in
a currency its customer is not invoiced in is stored as parked_currency (the unmatched queue):
the delivery is done, the payment waits for a person.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.payments.matching import normalize_iban, normalize_name
from invoicing.payments.models import PayerKind, PaymentSource
from invoicing.payments.repository import PaymentRepository
from invoicing.payments.service import IncomingPayment as Payment
from invoicing.payments.service import receive_payment
from invoicing.webhooks.adapters import IncomingPayment
from invoicing.webhooks.applier import ApplyOutcome, register_payment_applier
from receivables_shared.clock import Clock, SystemClock


class AllocatingApplier:
    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()

    async def apply(self, session: AsyncSession, payment: IncomingPayment) -> ApplyOutcome:
        repository = PaymentRepository(session)
        key = f"webhook:{payment.source}:{payment.external_id}"
        # A known invoice (the usual case) settles it in one query; only a payment naming
        # none looks for an earlier delivery of itself.
        if await _names_only_future_invoices(repository, payment) and (
            await repository.by_source_key(key) is None
        ):
            return ApplyOutcome.parked(
                "the invoices it names are not known yet: " + ", ".join(payment.invoice_numbers[:5])
            )
        await receive_payment(
            session,
            self.clock,
            Payment(
                source=PaymentSource.WEBHOOK,
                source_key=key,
                amount=payment.amount,
                currency=payment.currency,
                received_on=payment.received_on,
                method="bank_transfer",
                reference=payment.reference,
                payer_name=payment.payer_name,
                payer_iban=payment.payer_iban,
                invoice_numbers=tuple(n.upper() for n in payment.invoice_numbers),
            ),
        )
        return ApplyOutcome.applied()


async def _names_only_future_invoices(
    repository: PaymentRepository, payment: IncomingPayment
) -> bool:
    if not payment.invoice_numbers:
        return False
    numbers = [n.upper() for n in payment.invoice_numbers]
    if await repository.invoices_by_references([], numbers):
        return False
    # A payer we know is the customer's money all the same: store it, allocate what it can.
    for kind, value in (
        (PayerKind.IBAN, normalize_iban(payment.payer_iban)),
        (PayerKind.NAME, normalize_name(payment.payer_name)),
    ):
        if value and await repository.payer_customer(kind, value) is not None:
            return False
    return True


register_payment_applier(AllocatingApplier())
