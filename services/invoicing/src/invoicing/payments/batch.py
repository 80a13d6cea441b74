"""Receiving a batch of payments at once: what `service.receive_payment_unless_early` does for
one payment, set-based, for the webhook worker's batches (docs/payments.md, Batches).

The rules are the one-payment path's, shared as plain functions (matching.match_by_references,
allocation's rule functions, the ledger's check_movement/amounts_after); only the I/O differs:

1. Look up every payment's source key, and every invoice number and RF reference the batch's
   payments name, in one statement each; match as `find_customer` steps 1-2.
2. Payments the batch cannot decide alone go through the one-payment path afterwards, in the
   same transaction: those no reference matches (payer IBAN/name, advices, "came before its
   invoices"), those naming a customer or invoices themselves, and those of a customer with an
   advice no payment matched yet (advice linking).
3. Lock the batch's customers (advisory locks, sorted) and then, in one
   `SELECT ... FOR UPDATE ORDER BY id`, the invoices the payments name.
4. Allocate in memory, payment by payment in batch order, over the locked rows: named invoices
   first, then oldest due first; discounts; the rest on the credit balance. Where a payment
   has money left and its customer's oldest-due invoices are not fetched yet (or all paid),
   fetch and lock them (one statement for all such customers, as far as the sum of the
   customer's payments reaches) and allocate the batch again from the start.
5. Write everything with one statement per table: payments, payer accounts, movements,
   invoices, allocations, credit balances and their movements, outbox rows (in order).

Exactly once: a payment whose source key is stored already changes nothing; two batches racing
on one key leave one insert short, and the batch raises `BatchRaced` (the caller rolls back and
takes the one-payment path). The unique (invoice, kind, source) of movements still holds: a
payment touches an invoice once, and a new payment's id has no movement yet.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.invoices.references import find_references
from invoicing.ledger.models import MovementKind
from invoicing.ledger.service import amounts_after, check_movement
from invoicing.payments.allocation import (
    ZERO,
    applied_on_for,
    discount_offered,
    payable_when_named,
    state_after_allocation,
)
from invoicing.payments.batch_repository import (
    BatchRepository,
    LockedInvoice,
    NewPayment,
    PoolRequest,
)
from invoicing.payments.events import (
    credit_balance_changed,
    discount_taken,
    payment_applied,
    payment_received,
)
from invoicing.payments.matching import match_by_references, normalize_name, text_to_search
from invoicing.payments.models import FundedBy, PayerKind, PaymentState
from invoicing.payments.repository import AUTO_PAYABLE_STATES, PaymentRepository
from invoicing.payments.service import (
    IncomingPayment,
    new_payment_values,
    receive_payment_unless_early,
)
from receivables_shared.clock import Clock
from receivables_shared.events import EarlyPaymentDiscountTaken, PaymentApplied
from receivables_shared.events.base import Event
from receivables_shared.outbox import record_events


class BatchRaced(Exception):
    """Another transaction stored one of the batch's payments meanwhile: nothing of the batch
    may stay; roll back and apply the payments one by one."""


@dataclass
class _Pending:
    """A new payment the batch applies itself."""

    index: int
    values: dict[str, Any]
    customer_id: uuid.UUID
    named: list[uuid.UUID]
    allocates: bool  # False: in a currency its customer is not invoiced in (parked)

    @property
    def pool_key(self) -> tuple[uuid.UUID, str]:
        return self.customer_id, self.values["currency"]


@dataclass
class _Credit:
    customer_id: uuid.UUID
    currency: str
    change: Decimal
    business_date: date
    payment_id: uuid.UUID
    balance_after: Decimal = ZERO


@dataclass
class _Sequenced:
    """A movement's event, built before the movement is inserted: it gets the ledger sequence
    the insert assigns (consumers order an invoice's movements by it)."""

    event: PaymentApplied | EarlyPaymentDiscountTaken
    movement: dict[str, Any]


@dataclass
class _Plan:
    """What allocating the batch in memory decided, to be written in one go."""

    movements: list[dict[str, Any]] = field(default_factory=list)
    allocations: list[dict[str, Any]] = field(default_factory=list)
    credits: list[_Credit] = field(default_factory=list)
    #: In outbox order; a credit change's event is built once its balance is known, a
    #: movement's once its ledger sequence is.
    events: list[Event | _Credit | _Sequenced] = field(default_factory=list)
    invoices: dict[uuid.UUID, LockedInvoice] = field(default_factory=dict)
    #: Pools a payment went through with money left: fetch on, or the rest is credit.
    short: set[tuple[uuid.UUID, str]] = field(default_factory=set)


async def receive_payments(
    session: AsyncSession, clock: Clock, incoming: Sequence[IncomingPayment], wait: Sequence[bool]
) -> list[bool]:
    """Store and allocate each payment once, as `receive_payment_unless_early(..., wait=)`
    would one after the other: for each, True when it is stored (now or before), False when
    it waits for its invoices (not stored). Never commits; may raise BatchRaced."""
    values = [new_payment_values(payment) for payment in incoming]
    repository = BatchRepository(session)
    known = await repository.known_source_keys([v["source_key"] for v in values])
    first_of: dict[str, int] = {}
    repeat_of: dict[int, int] = {}
    fresh: list[int] = []
    for index, row in enumerate(values):
        key = row["source_key"]
        if key in first_of:
            repeat_of[index] = first_of[key]
        elif key not in known:
            first_of[key] = index
            fresh.append(index)

    pending, one_by_one = await _match(session, incoming, values, fresh)
    if pending:
        await _apply(session, clock, repository, pending)
    received = [True] * len(incoming)
    for index in one_by_one:
        outcome = await receive_payment_unless_early(
            session, clock, incoming[index], wait=wait[index]
        )
        received[index] = outcome is not None
    for index, first in repeat_of.items():
        received[index] = received[first]
    return received


async def _match(
    session: AsyncSession,
    incoming: Sequence[IncomingPayment],
    values: Sequence[dict[str, Any]],
    fresh: Sequence[int],
) -> tuple[list[_Pending], list[int]]:
    """Step 1 and 2: the payments the batch applies itself, and those left to the one-payment
    path (in batch order)."""
    found = {
        index: find_references(
            text_to_search(values[index]["reference"], values[index]["remittance_text"])
        )
        for index in fresh
    }
    numbers = {
        index: [*incoming[index].invoice_numbers, *found[index].invoice_numbers] for index in fresh
    }
    rf_references = sorted({ref for f in found.values() for ref in f.rf_references})
    all_numbers = sorted({number for n in numbers.values() for number in n})
    invoices = (
        await PaymentRepository(session).invoice_refs(rf_references, all_numbers)
        if rf_references or all_numbers
        else []
    )
    matched: list[tuple[int, uuid.UUID, list[uuid.UUID]]] = []
    one_by_one: list[int] = []
    for index in fresh:
        payment = incoming[index]
        match = None
        if payment.customer_id is None and not payment.invoice_ids:
            match = match_by_references(found[index].rf_references, numbers[index], invoices, None)
        if match is None or match.customer_id is None:
            one_by_one.append(index)
        else:
            matched.append((index, match.customer_id, match.invoice_ids))
    customers = (
        await BatchRepository(session).customers(c for _, c, _ in matched) if matched else {}
    )
    pending = []
    for index, customer_id, named in matched:
        customer = customers.get(customer_id)
        if customer is None or customer.has_unmatched_advice:
            one_by_one.append(index)
            continue
        row = {**values[index], "customer_id": customer_id}
        allocates = row["currency"] == customer.currency
        pending.append(_Pending(index, row, customer_id, named, allocates))
    return pending, sorted(one_by_one)


async def _apply(
    session: AsyncSession, clock: Clock, repository: BatchRepository, pending: list[_Pending]
) -> None:
    """Steps 3 to 5."""
    await repository.lock_customers(p.customer_id for p in pending)
    bounds: dict[tuple[uuid.UUID, str], Decimal] = {}
    for payment in pending:
        if payment.allocates:
            bounds[payment.pool_key] = bounds.get(payment.pool_key, ZERO) + payment.values["amount"]
    # Most payments pay what they name: a customer's other invoices are fetched only once a
    # payment of it has money left after its named ones (and fetched on while that recurs).
    invoices = {
        i.id: i for i in await repository.lock_invoices((i for p in pending for i in p.named), [])
    }
    pools: dict[tuple[uuid.UUID, str], list[uuid.UUID]] = {key: [] for key in bounds}
    complete: set[tuple[uuid.UUID, str]] = set()
    while True:
        plan = _allocate(pending, invoices, pools)
        wanting = plan.short - complete
        if not wanting:
            break
        more = await repository.lock_invoices(
            (),
            [PoolRequest(c, cur, bounds[(c, cur)], tuple(pools[(c, cur)])) for c, cur in wanting],
        )
        for invoice in more:
            invoices.setdefault(invoice.id, invoice)
        added = _add_to_pools(pools, more)
        complete |= wanting - added  # nothing more to fetch: the rest is credit
    await _write(session, clock, repository, pending, plan)


def _add_to_pools(
    pools: dict[tuple[uuid.UUID, str], list[uuid.UUID]], invoices: list[LockedInvoice]
) -> set[tuple[uuid.UUID, str]]:
    """Append each customer's fetched invoices in oldest-due order (a later fetch continues
    the earlier one's order: it excluded those); the pools that grew."""
    grown = set()
    for invoice in sorted(invoices, key=lambda i: (i.due_date, i.issue_date, i.number)):
        key = (invoice.customer_id, invoice.currency)
        pools[key].append(invoice.id)
        grown.add(key)
    return grown


def _allocate(
    pending: Sequence[_Pending],
    locked: dict[uuid.UUID, LockedInvoice],
    pools: dict[tuple[uuid.UUID, str], list[uuid.UUID]],
) -> _Plan:
    """Step 4, over copies of the locked rows (run again from the start if a pool grows)."""
    plan = _Plan(invoices={i: dataclasses.replace(invoice) for i, invoice in locked.items()})
    for payment in pending:
        row = payment.values
        new = NewPayment(
            row["id"],
            row["currency"],
            row["amount"],
            row["received_on"],
            row["reference"],
            row["source"],
            row["method"],
            row["payer_name"],
        )
        plan.events.append(payment_received(new, payment.customer_id))
        if not payment.allocates:
            # Never converted: a person decides (refund, or assign to invoices in this currency).
            row["state"] = PaymentState.PARKED_CURRENCY.value
            continue
        remaining: Decimal = row["amount"]
        touched: set[uuid.UUID] = set()
        for invoice_id in dict.fromkeys(payment.named):
            touched.add(invoice_id)
            invoice = plan.invoices.get(invoice_id)
            if (
                remaining <= 0
                or invoice is None
                or not payable_when_named(
                    invoice_customer_id=invoice.customer_id,
                    invoice_currency=invoice.currency,
                    invoice_state=invoice.state,
                    open_amount=invoice.open_amount,
                    customer_id=payment.customer_id,
                    currency=new.currency,
                )
            ):
                continue
            remaining -= _settle(plan, new, invoice, remaining)
        pool = pools.get(payment.pool_key, [])
        for invoice_id in pool:
            if remaining <= 0:
                break
            invoice = plan.invoices[invoice_id]
            if (
                invoice_id not in touched
                and invoice.open_amount > 0
                and invoice.state in AUTO_PAYABLE_STATES
            ):
                touched.add(invoice_id)
                remaining -= _settle(plan, new, invoice, remaining)
        if remaining > 0:
            plan.short.add(payment.pool_key)
            credit = _Credit(payment.customer_id, new.currency, remaining, new.received_on, new.id)
            plan.credits.append(credit)
            plan.events.append(credit)
        row["unapplied_amount"] = remaining
        row["state"] = state_after_allocation(new.amount, remaining).value
    return plan


def _settle(
    plan: _Plan, payment: NewPayment, invoice: LockedInvoice, available: Decimal
) -> Decimal:
    """`allocation._apply` over a plain row: the cash used on the invoice."""
    applied_on = applied_on_for(payment.received_on, invoice.issue_date)
    discount = discount_offered(
        open_amount=invoice.open_amount,
        available=available,
        applied_on=applied_on,
        discount_until=invoice.discount_until,
        discount_amount=invoice.discount_amount,
    )
    if invoice.discount_taken:
        discount = ZERO  # once per invoice
    cash = min(available, invoice.open_amount - discount)
    if cash <= 0:
        return ZERO
    moved = _move(plan, invoice, MovementKind.PAYMENT, -cash, applied_on, payment.id)
    applied = payment_applied(payment, invoice, cash, applied_on, FundedBy.PAYMENT, 0)
    plan.events.append(_Sequenced(applied, moved))
    if discount > 0:
        moved = _move(plan, invoice, MovementKind.DISCOUNT, -discount, applied_on, payment.id)
        invoice.discount_taken = True
        plan.events.append(_Sequenced(discount_taken(invoice, discount, applied_on, 0), moved))
    plan.allocations.append(
        {
            "payment_id": payment.id,
            "invoice_id": invoice.id,
            "amount": cash,
            "discount_amount": discount,
            "applied_on": applied_on,
            "funded_by": FundedBy.PAYMENT.value,
        }
    )
    return cash


def _move(
    plan: _Plan,
    invoice: LockedInvoice,
    kind: MovementKind,
    amount: Decimal,
    business_date: date,
    source_id: uuid.UUID,
) -> dict[str, Any]:
    """`ledger.post_movement` on a row the batch has locked: the same checks and amounts."""
    check_movement(
        kind, amount, state=invoice.state, currency=invoice.currency, number=invoice.number
    )
    invoice.open_amount, invoice.paid_amount, invoice.state = amounts_after(
        kind,
        amount,
        open_amount=invoice.open_amount,
        paid_amount=invoice.paid_amount,
        state=invoice.state,
        overdue_since=invoice.overdue_since,
        number=invoice.number,
    )
    movement = {
        "invoice_id": invoice.id,
        "customer_id": invoice.customer_id,
        "currency": invoice.currency,
        "kind": kind.value,
        "amount": amount,
        "open_amount_after": invoice.open_amount,
        "business_date": business_date,
        "source_id": source_id,
    }
    plan.movements.append(movement)
    return movement


async def _write(
    session: AsyncSession,
    clock: Clock,
    repository: BatchRepository,
    pending: Sequence[_Pending],
    plan: _Plan,
) -> None:
    """Step 5: one statement per table."""
    if await repository.insert_payments([p.values for p in pending]) != len(pending):
        raise BatchRaced("a payment of the batch was stored by another transaction meanwhile")
    await PaymentRepository(session).learn_payers_from_matches(
        [
            (kind.value, value, p.customer_id)
            for p in pending
            for kind, value in (
                (PayerKind.IBAN, p.values["payer_iban"]),
                (PayerKind.NAME, normalize_name(p.values["payer_name"])),
            )
            if value
        ]
    )
    sequences = await repository.insert_movements(plan.movements)
    changed = {row["invoice_id"] for row in plan.movements}
    await repository.update_invoices([plan.invoices[i] for i in sorted(changed)])
    await repository.insert_allocations(plan.allocations)
    if plan.credits:
        totals: dict[tuple[uuid.UUID, str], Decimal] = {}
        for credit in plan.credits:
            key = (credit.customer_id, credit.currency)
            totals[key] = totals.get(key, ZERO) + credit.change
        balances = await repository.add_credit(totals)
        # Each change's balance after it: the final balance less the changes that came later.
        for credit in reversed(plan.credits):
            key = (credit.customer_id, credit.currency)
            credit.balance_after = balances[key]
            balances[key] -= credit.change
        await repository.insert_credit_movements([dataclasses.asdict(c) for c in plan.credits])
    await record_events(session, [_event(item, sequences) for item in plan.events], clock=clock)


def _event(
    item: Event | _Credit | _Sequenced, sequences: dict[tuple[uuid.UUID, str, uuid.UUID], int]
) -> Event:
    if isinstance(item, _Sequenced):
        moved = item.movement
        sequence = sequences[(moved["invoice_id"], moved["kind"], moved["source_id"])]
        return item.event.model_copy(update={"movement_sequence": sequence})
    if isinstance(item, _Credit):
        return credit_balance_changed(
            customer_id=item.customer_id,
            currency=item.currency,
            change=item.change,
            balance=item.balance_after,
            changed_on=item.business_date,
            payment_id=item.payment_id,
            invoice_id=None,
        )
    return item
