"""Invoicing's open-amount events as ledger movements, the same for every service that keeps a copy.

Every event that moves an invoice's open amount becomes an `OpenAmountChange`: its movements
(usually one; an imported invoice's earlier payments are a second), each of a kind
(invoiced, fee, credited, written off, paid, discount, cancelled), its amount signed as it counts
in the books, its business date, and the invoice's open amount after it as invoicing announced it.
A consumer stores the movement (for the books identity and later metrics) and sets its copy of the
open amount to `open_after`: set, never add, so its copy cannot drift from invoicing's.

Which figure wins is one rule for every copy (collections, analytics, credit-policy):
`supersedes`. Each movement event carries invoicing's `movement_sequence`, which grows with every
movement of an invoice; a copy keeps the highest it applied and takes a figure only from a
higher one, so a replayed or late event never sets an older open amount over a newer one. An
event without a sequence (from before the field, or a bulk path that does not fill it yet) is
taken in arrival order, which the customer-keyed topic keeps. InvoiceIssued is the first
movement by definition: it sets the figure only of an invoice the copy does not have yet.
Wall-clock event times are never compared: two producers' clocks need not agree.

The books identity, per customer and currency (docs/receivables-projections.md):

    open = invoiced + fees - credited - written_off - paid - discount - cancelled
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, computed_field, model_validator

from receivables_shared.events import (
    CreditNoteIssued,
    EarlyPaymentDiscountTaken,
    Event,
    InvoiceCancelled,
    InvoiceIssued,
    InvoiceWrittenOff,
    LateFeeCharged,
    PaymentApplied,
    PaymentReversed,
)
from receivables_shared.money import fits_minor_units, quantum

__all__ = [
    "MOVEMENT_EVENTS",
    "BooksBalance",
    "Movement",
    "MovementKind",
    "OpenAmountChange",
    "books_balances",
    "change_of",
    "in_minor_units",
    "state_after",
    "state_of",
    "supersedes",
]


class MovementKind(StrEnum):
    INVOICED = "invoiced"
    FEE = "fee"
    CREDITED = "credited"
    WRITTEN_OFF = "written_off"
    #: Payments applied (a reversal is a negative one).
    PAID = "paid"
    #: Early-payment discounts taken (a reversed payment's is a negative one).
    DISCOUNT = "discount"
    CANCELLED = "cancelled"


#: The catalogue events that move an open amount; `change_of` maps each to its change.
MOVEMENT_EVENTS: tuple[type[Event], ...] = (
    InvoiceIssued,
    LateFeeCharged,
    PaymentApplied,
    PaymentReversed,
    CreditNoteIssued,
    InvoiceWrittenOff,
    EarlyPaymentDiscountTaken,
    InvoiceCancelled,
)


@dataclass(frozen=True)
class Movement:
    kind: MovementKind
    #: As it counts in its kind's sum: a reversed payment is a negative `paid` (and a negative
    #: `discount` for the discount it had earned).
    amount: Decimal
    on: date


@dataclass(frozen=True)
class OpenAmountChange:
    """What one event did to one invoice: its movements and the open amount after them."""

    invoice_id: uuid.UUID
    customer_id: uuid.UUID
    currency: str
    movements: tuple[Movement, ...]
    #: The invoice's open amount after the event, as invoicing announced it.
    open_after: Decimal
    #: Invoicing's ledger position of the event's (last) movement; None when it has none.
    sequence: int | None = None


def supersedes(sequence: int | None, applied: int | None) -> bool:
    """Whether a figure at ledger position `sequence` replaces the one applied at `applied`.

    Unknown on either side (an event without a sequence, or a copy that has applied none):
    arrival order decides, i.e. yes. Otherwise only a later movement replaces the figure.
    receivables_shared.db.open_amount_projection.supersedes_clause says the same in SQL."""
    return sequence is None or applied is None or sequence > applied


def change_of(event: Event) -> OpenAmountChange | None:
    """The change an event stands for; None for an event that moves no invoice's amount
    (a payment reversal taken back from the credit balance, or an event of another kind)."""
    match event:
        case InvoiceIssued():
            invoiced = Movement(MovementKind.INVOICED, event.total, event.issue_date)
            paid_before = event.paid_before_import or Decimal(0)
            if not paid_before:
                return _change(event, event.invoice_id, event.total, invoiced)
            # An imported item's earlier payments are part of its books, dated at its issue.
            paid = Movement(MovementKind.PAID, paid_before, event.issue_date)
            return _change(event, event.invoice_id, event.total - paid_before, invoiced, paid)
        case LateFeeCharged():
            movement = Movement(MovementKind.FEE, event.amount, event.charged_on)
        case PaymentApplied():
            movement = Movement(MovementKind.PAID, event.amount, event.applied_on)
        case PaymentReversed():
            if event.invoice_id is None or event.open_amount is None:
                return None
            # What the payment had settled comes back off the sums it went into: the cash off
            # `paid`, the early-payment discount it had earned off `discount`.
            discount = event.discount or Decimal(0)
            reversed_ = tuple(
                Movement(kind, -amount, event.reversed_on)
                for kind, amount in (
                    (MovementKind.PAID, event.amount - discount),
                    (MovementKind.DISCOUNT, discount),
                )
                if amount
            )
            return _change(event, event.invoice_id, event.open_amount, *reversed_)
        case CreditNoteIssued():
            movement = Movement(MovementKind.CREDITED, event.amount, event.issued_on)
        case InvoiceWrittenOff():
            movement = Movement(MovementKind.WRITTEN_OFF, event.amount, event.written_off_on)
        case EarlyPaymentDiscountTaken():
            movement = Movement(MovementKind.DISCOUNT, event.amount, event.taken_on)
        case InvoiceCancelled():
            # "Nothing of it is receivable any more": the event names what it removed.
            cancelled = Movement(MovementKind.CANCELLED, event.amount, event.cancelled_on)
            return _change(event, event.invoice_id, Decimal(0), cancelled)
        case _:
            return None
    return _change(event, event.invoice_id, event.open_amount, movement)


def state_after(change: OpenAmountChange) -> str:
    """The invoice's state after the change."""
    cancelled = any(movement.kind is MovementKind.CANCELLED for movement in change.movements)
    return state_of(change.open_after, cancelled=cancelled)


def state_of(open_amount: Decimal, *, cancelled: bool) -> str:
    """Cancelled once cancelled; otherwise open while something is owed, else closed."""
    if cancelled:
        return "cancelled"
    return "open" if open_amount > 0 else "closed"


class _InvoiceMovementEvent(Protocol):
    @property
    def customer_id(self) -> uuid.UUID: ...
    @property
    def currency(self) -> str: ...


def _change(
    event: _InvoiceMovementEvent,
    invoice_id: uuid.UUID,
    open_after: Decimal,
    *movements: Movement,
) -> OpenAmountChange:
    sequence = getattr(event, "movement_sequence", None)  # InvoiceIssued has none: it is first
    return OpenAmountChange(
        invoice_id, event.customer_id, event.currency, movements, open_after, sequence
    )


class BooksBalance(BaseModel):
    """One customer's (or everyone's) books in one currency, from the movements kept, and the
    open amount of the invoices kept; `balanced` says whether the identity holds."""

    currency: str
    invoiced: Decimal
    fees: Decimal
    credited: Decimal
    written_off: Decimal
    paid: Decimal
    discount: Decimal
    cancelled: Decimal
    #: The sum of the invoices' open amounts (each set from invoicing's own figure).
    open: Decimal

    @model_validator(mode="after")
    def _in_minor_units(self) -> BooksBalance:
        for name in _FIGURES:
            object.__setattr__(self, name, in_minor_units(getattr(self, name), self.currency))
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def balanced(self) -> bool:
        """open = invoiced + fees - credited - written_off - paid - discount - cancelled."""
        return self.open == self.expected_open()

    def expected_open(self) -> Decimal:
        return (
            self.invoiced
            + self.fees
            - self.credited
            - self.written_off
            - self.paid
            - self.discount
            - self.cancelled
        )


def in_minor_units(amount: Decimal, currency: str) -> Decimal:
    """A stored amount (three decimals in the column) written as its currency writes it:
    "1200.50" for EUR, "5" for JPY, "1.250" for KWD. An amount with more decimals than its
    currency has is shown as it is, never rounded."""
    if not fits_minor_units(amount, currency):
        return amount
    return amount.quantize(quantum(currency))


def books_balances(
    movement_sums: Iterable[tuple[str, str, Decimal]], open_sums: Iterable[tuple[str, Decimal]]
) -> list[BooksBalance]:
    """One BooksBalance per currency, from (currency, kind, sum) and (currency, open) rows."""
    figures: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for currency, kind, total in movement_sums:
        figures[currency][_FIELD_OF_KIND[MovementKind(kind)]] += total
    for currency, total in open_sums:
        figures[currency]["open"] += total
    return [
        BooksBalance(currency=currency, **{name: figures[currency][name] for name in _FIGURES})
        for currency in sorted(figures)
    ]


_FIELD_OF_KIND = {
    MovementKind.INVOICED: "invoiced",
    MovementKind.FEE: "fees",
    MovementKind.CREDITED: "credited",
    MovementKind.WRITTEN_OFF: "written_off",
    MovementKind.PAID: "paid",
    MovementKind.DISCOUNT: "discount",
    MovementKind.CANCELLED: "cancelled",
}
_FIGURES = (*_FIELD_OF_KIND.values(), "open")
