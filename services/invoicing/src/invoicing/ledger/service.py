"""The movement ledger: the one way an invoice's open amount changes.

Payments (allocation, reversals), the overdue-and-interest job, credit notes, write-offs,
discounts, cancellations and the history import all call `post_movement`:

    movement = await post_movement(
        session, invoice, kind=MovementKind.PAYMENT, amount=-applied,
        business_date=applied_on, source_id=payment.id,
    )
    record_event(session, PaymentApplied(..., open_amount=invoice.open_amount), clock=clock)

It locks the invoice row (SELECT ... FOR UPDATE) and re-reads it, so concurrent payments and
fees on one invoice are serialised and each sees the other's open amount; inserts the movement;
and sets the open amount and the state:

- open reaches 0: `paid` (payments, discounts, credit notes), `written_off` (a write-off),
  `cancelled` (a cancellation);
- open above 0: `disputed` stays disputed; otherwise `partially_paid` while payments net of
  reversals are above 0, else `overdue` when the overdue job marked it, else `issued`
  (so a reversed payment takes it back to issued/overdue).

It never lets the open amount fall below 0 (InvalidField on "amount"), refuses a movement of
the wrong sign for its kind, an amount finer than the currency's minor unit, a second movement
of the same kind from the same source (MovementAlreadyPosted, 409), and anything on a cancelled
invoice. It records no event: the caller records the one that fits, with the open amount after
the movement (`invoice.open_amount`). Like every service, it never commits.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.invoices.models import Invoice, InvoiceState
from invoicing.ledger.models import PAYING_KINDS, RAISING_KINDS, InvoiceMovement, MovementKind
from invoicing.ledger.repository import LedgerRepository
from receivables_shared.http.problems import InvalidField, ProblemError
from receivables_shared.money import fits_minor_units, minor_units


class MovementAlreadyPosted(ProblemError):
    """The same source already moved this invoice's open amount with this kind."""

    def __init__(self, invoice_id: uuid.UUID, kind: str, source_id: uuid.UUID) -> None:
        super().__init__(
            409, f"invoice {invoice_id} already has a {kind} movement from {source_id}"
        )
        self.kind = kind
        self.source_id = source_id


async def post_movement(
    session: AsyncSession,
    invoice: Invoice,
    *,
    kind: MovementKind,
    amount: Decimal,
    business_date: date,
    source_id: uuid.UUID,
) -> InvoiceMovement:
    """Post one signed movement to the invoice, lock first; see the module docstring."""
    kind = MovementKind(kind)  # a caller may pass the plain string ("payment")
    repository = LedgerRepository(session)
    if kind == MovementKind.ISSUE:
        # Posted in the transaction that inserted the invoice: no one else can see the row
        # yet, so there is nothing to lock or to have been posted before.
        await session.flush()
        posted = False
    else:
        # Refreshes invoice from the locked row; one round trip with the duplicate check.
        posted = await repository.lock_invoice_and_find(invoice, kind.value, source_id)
    check_movement(
        kind, amount, state=invoice.state, currency=invoice.currency, number=invoice.number
    )
    if posted:
        raise MovementAlreadyPosted(invoice.id, kind, source_id)

    open_amount, invoice.paid_amount, invoice.state = amounts_after(
        kind,
        amount,
        open_amount=invoice.open_amount,
        paid_amount=invoice.paid_amount,
        state=invoice.state,
        overdue_since=invoice.overdue_since,
        number=invoice.number,
    )
    invoice.open_amount = open_amount
    return await repository.add(
        InvoiceMovement(
            invoice_id=invoice.id,
            customer_id=invoice.customer_id,
            currency=invoice.currency,
            kind=kind.value,
            amount=amount,
            open_amount_after=open_amount,
            business_date=business_date,
            source_id=source_id,
        )
    )


def check_movement(
    kind: MovementKind, amount: Decimal, *, state: str, currency: str, number: str
) -> None:
    """A movement of this kind and amount may be posted to an invoice in this state at all."""
    if state == InvoiceState.CANCELLED:
        raise ProblemError(409, f"invoice {number} is cancelled: nothing moves on it")
    if amount == 0:
        raise InvalidField("amount", "must not be zero")
    if (amount > 0) != (kind in RAISING_KINDS):
        direction = "raises" if kind in RAISING_KINDS else "lowers"
        raise InvalidField("amount", f"a {kind.value} movement {direction} the open amount")
    if not fits_minor_units(amount, currency):
        raise InvalidField(
            "amount", f"{currency} amounts have at most {minor_units(currency)} decimals"
        )


def amounts_after(
    kind: MovementKind,
    amount: Decimal,
    *,
    open_amount: Decimal,
    paid_amount: Decimal,
    state: str,
    overdue_since: date | None,
    number: str,
) -> tuple[Decimal, Decimal, str]:
    """(open amount, paid amount, state) after the movement; never below zero. Plain values,
    so that batch allocation over plain rows (payments/batch.py) follows the same rule."""
    open_after = open_amount + amount
    if open_after < 0:
        raise InvalidField(
            "amount",
            f"{-amount} is more than the open amount {open_amount} of invoice {number}",
        )
    paid_after = paid_amount - amount if kind in PAYING_KINDS else paid_amount
    state_now = state_after(
        kind,
        open_amount=open_after,
        paid_amount=paid_after,
        state=state,
        overdue_since=overdue_since,
    )
    return open_after, paid_after, state_now


def state_after(
    kind: MovementKind,
    *,
    open_amount: Decimal,
    paid_amount: Decimal,
    state: str,
    overdue_since: date | None,
) -> str:
    """The invoice's state after a movement of `kind` left these amounts (module docstring);
    plain values, so batch allocation over plain rows follows the same rule."""
    if open_amount == 0:
        if kind == MovementKind.WRITE_OFF:
            return InvoiceState.WRITTEN_OFF
        if kind == MovementKind.CANCELLATION:
            return InvoiceState.CANCELLED
        return InvoiceState.PAID
    if state == InvoiceState.DISPUTED:
        return InvoiceState.DISPUTED
    if paid_amount > 0:
        return InvoiceState.PARTIALLY_PAID
    if overdue_since is not None:
        return InvoiceState.OVERDUE
    return InvoiceState.ISSUED


def undisputed_state(invoice: Invoice) -> str:
    """The state of an open invoice from its amounts alone: where a resolved dispute returns."""
    return state_after(
        MovementKind.PAYMENT,
        open_amount=invoice.open_amount,
        paid_amount=invoice.paid_amount,
        state=InvoiceState.ISSUED,
        overdue_since=invoice.overdue_since,
    )
