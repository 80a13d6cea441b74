"""All SQL of payments: payments, allocations, credit balances, payer accounts, advices."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, exists, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.models import KnownCustomer
from invoicing.invoices.models import Invoice, InvoiceState
from invoicing.ledger.models import InvoiceMovement, MovementKind
from invoicing.payments.models import (
    CreditBalance,
    CreditBalanceMovement,
    PayerAccount,
    Payment,
    PaymentAdvice,
    PaymentAllocation,
    PaymentState,
)
from receivables_shared.pagination import Keyset, PageRequest

_LEARN_PAYERS = text(
    # What matching learnt: a payer seen for a second customer matches no longer. Sorted by
    # key, so two transactions' upserts lock rows in one order.
    "INSERT INTO payer_accounts (id, kind, value, customer_id, learned_from, ambiguous)"
    " SELECT gen_random_uuid(), p.kind, p.value, p.customer_id, 'match', p.ambiguous"
    " FROM unnest(CAST(:kind AS text[]), CAST(:value AS text[]), CAST(:customer_id AS uuid[]),"
    " CAST(:ambiguous AS boolean[])) AS p(kind, value, customer_id, ambiguous)"
    " ORDER BY p.kind, p.value"
    " ON CONFLICT (kind, value) DO UPDATE SET ambiguous = payer_accounts.ambiguous"
    " OR excluded.ambiguous OR payer_accounts.customer_id <> excluded.customer_id"
)


PAYMENT_ORDER = Keyset("payments", Payment.created_at, Payment.id)
UNMATCHED_ORDER = Keyset("unmatched-payments", Payment.created_at, Payment.id)
ADVICE_ORDER = Keyset("payment-advices", PaymentAdvice.created_at, PaymentAdvice.id)

#: Invoices a payment may settle without a person naming them (disputed ones wait).
AUTO_PAYABLE_STATES = (
    InvoiceState.ISSUED.value,
    InvoiceState.PARTIALLY_PAID.value,
    InvoiceState.OVERDUE.value,
)
#: Invoices a payment may settle when it names them.
PAYABLE_STATES = (*AUTO_PAYABLE_STATES, InvoiceState.DISPUTED.value)


@dataclass(frozen=True)
class InvoiceRef:
    """What matching needs of an invoice a payment's references name."""

    id: uuid.UUID
    customer_id: uuid.UUID
    number: str
    rf_reference: str


@dataclass(frozen=True)
class PaymentFilters:
    customer_id: uuid.UUID | None = None
    state: str | None = None
    source: str | None = None


class PaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- payments ---------------------------------------------------------------------------

    async def insert_new(self, values: dict[str, Any]) -> Payment | None:
        """Insert the payment unless its source_key is known: the payment, or None for a repeat.

        ON CONFLICT makes two deliveries of one bank entry or webhook racing each other
        store one payment: the second waits for the first's commit and then inserts nothing."""
        payment: Payment | None = await self.session.scalar(
            select(Payment).from_statement(
                insert(Payment)
                .values(**values)
                .on_conflict_do_nothing(index_elements=[Payment.source_key])
                .returning(Payment)
            )
        )
        return payment

    async def by_source_key(self, source_key: str) -> Payment | None:
        return await self.session.scalar(select(Payment).where(Payment.source_key == source_key))

    async def get(self, payment_id: uuid.UUID, *, lock: bool = False) -> Payment | None:
        statement = (
            select(Payment)
            .where(Payment.id == payment_id)
            .execution_options(populate_existing=True)
        )
        if lock:
            statement = statement.with_for_update()
        return await self.session.scalar(statement)

    async def allocations_of(self, payment_id: uuid.UUID) -> Sequence[PaymentAllocation]:
        return (
            await self.session.scalars(
                select(PaymentAllocation)
                .where(PaymentAllocation.payment_id == payment_id)
                .order_by(PaymentAllocation.sequence)
            )
        ).all()

    async def allocations_of_many(
        self, payment_ids: Sequence[uuid.UUID]
    ) -> Sequence[PaymentAllocation]:
        return (
            await self.session.scalars(
                select(PaymentAllocation)
                .where(PaymentAllocation.payment_id.in_(payment_ids))
                .order_by(PaymentAllocation.sequence)
            )
        ).all()

    async def add_allocation(self, allocation: PaymentAllocation) -> None:
        self.session.add(allocation)
        await self.session.flush()

    async def page(
        self, filters: PaymentFilters, page: PageRequest
    ) -> tuple[list[Payment], str | None]:
        statement: Select[Any] = select(Payment)
        if filters.customer_id is not None:
            statement = statement.where(Payment.customer_id == filters.customer_id)
        if filters.state is not None:
            statement = statement.where(Payment.state == filters.state)
        if filters.source is not None:
            statement = statement.where(Payment.source == filters.source)
        rows = (await self.session.scalars(PAYMENT_ORDER.page_query(statement, page))).all()
        return PAYMENT_ORDER.page_of(rows, page)

    async def unmatched_page(self, page: PageRequest) -> tuple[list[Payment], str | None]:
        statement = select(Payment).where(
            Payment.state.in_([PaymentState.UNMATCHED.value, PaymentState.PARKED_CURRENCY.value])
        )
        rows = (await self.session.scalars(UNMATCHED_ORDER.page_query(statement, page))).all()
        return UNMATCHED_ORDER.page_of(rows, page)

    async def lock_customer(self, customer_id: uuid.UUID) -> None:
        """Serialise allocations for one customer (transaction-scoped advisory lock): credit
        balance and the choice of invoices are decided by one transaction at a time."""
        await self.session.execute(
            select(func.pg_advisory_xact_lock(func.hashtextextended(str(customer_id), 0)))
        )

    async def credit_payments(self, customer_id: uuid.UUID, currency: str) -> Sequence[Payment]:
        """The customer's payments with money on the credit balance, oldest first, locked."""
        return (
            await self.session.scalars(
                select(Payment)
                .where(
                    Payment.customer_id == customer_id,
                    Payment.currency == currency,
                    Payment.state.in_(
                        [PaymentState.CREDIT.value, PaymentState.PARTIALLY_APPLIED.value]
                    ),
                    Payment.unapplied_amount > 0,
                )
                .order_by(Payment.received_on, Payment.created_at, Payment.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).all()

    async def reversed_by(self, reversal_key: str) -> Payment | None:
        return await self.session.scalar(
            select(Payment).where(Payment.reversal_key == reversal_key)
        )

    async def reversal_candidate(
        self,
        *,
        account: str,
        amount: Decimal,
        currency: str,
        booked_on: date,
        end_to_end_id: str | None,
        references: Sequence[str],
        payer_iban: str | None,
    ) -> Payment | None:
        """The payment a bank reversal or return entry takes back: a payment into the same
        account of the same amount, not reversed yet, received by then, that the entry names
        (same end-to-end id or reference) or else from the same payer's IBAN; latest first."""
        naming = []
        if end_to_end_id:
            naming.append(Payment.end_to_end_id == end_to_end_id)
        if references:
            naming.append(Payment.reference.in_(references))
        if payer_iban:
            naming.append(Payment.payer_iban == payer_iban)
        if not naming:
            return None
        base = select(Payment).where(
            Payment.source_key.startswith(f"{account}:", autoescape=True),
            Payment.amount == amount,
            Payment.currency == currency,
            Payment.state != PaymentState.REVERSED.value,
            Payment.received_on <= booked_on,
        )
        for condition in naming:  # the strongest evidence first
            found = await self.session.scalar(
                base.where(condition)
                .order_by(Payment.received_on.desc(), Payment.created_at.desc())
                .limit(1)
                .with_for_update()
            )
            if found is not None:
                return found
        return None

    # -- invoices a payment may settle ---------------------------------------------------------

    async def customer_exists(self, customer_id: uuid.UUID) -> KnownCustomer | None:
        return await self.session.get(KnownCustomer, customer_id)

    async def invoices_by_ids(self, invoice_ids: Sequence[uuid.UUID]) -> Sequence[Invoice]:
        return (
            await self.session.scalars(select(Invoice).where(Invoice.id.in_(invoice_ids)))
        ).all()

    async def invoices_by_references(
        self, rf_references: Sequence[str], numbers: Sequence[str]
    ) -> Sequence[Invoice]:
        return (
            await self.session.scalars(
                select(Invoice).where(
                    or_(Invoice.rf_reference.in_(rf_references), Invoice.number.in_(numbers))
                )
            )
        ).all()

    async def invoice_refs(
        self, rf_references: Sequence[str], numbers: Sequence[str]
    ) -> list[InvoiceRef]:
        rows = await self.session.execute(
            select(Invoice.id, Invoice.customer_id, Invoice.number, Invoice.rf_reference).where(
                or_(Invoice.rf_reference.in_(rf_references), Invoice.number.in_(numbers))
            )
        )
        return [InvoiceRef(*row) for row in rows]

    async def oldest_due_first(
        self,
        customer_id: uuid.UUID,
        currency: str,
        amount: Decimal,
        exclude: Sequence[uuid.UUID],
    ) -> list[uuid.UUID]:
        """The customer's open invoices, oldest due first, as many as `amount` reaches.

        One query whatever the number of open invoices: a running sum of open amounts in
        due-date order keeps the invoices whose predecessors left part of the amount over."""
        ordered = (
            select(
                Invoice.id,
                Invoice.due_date,
                Invoice.issue_date,
                Invoice.number,
                (
                    func.sum(Invoice.open_amount).over(
                        order_by=(Invoice.due_date, Invoice.issue_date, Invoice.number)
                    )
                    - Invoice.open_amount
                ).label("before"),
            )
            .where(
                Invoice.customer_id == customer_id,
                Invoice.currency == currency,
                Invoice.open_amount > 0,
                Invoice.state.in_(AUTO_PAYABLE_STATES),
                Invoice.id.not_in(exclude) if exclude else Invoice.id.is_not(None),
            )
            .subquery()
        )
        rows = await self.session.execute(
            select(ordered.c.id)
            .where(ordered.c.before < amount)
            .order_by(ordered.c.due_date, ordered.c.issue_date, ordered.c.number)
        )
        return [row[0] for row in rows]

    async def lock_invoices(self, invoice_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Invoice]:
        """Lock the invoices in id order (every allocation locks in the same order, so two of
        them never wait on each other crosswise) and load them fresh."""
        if not invoice_ids:
            return {}
        invoices = (
            await self.session.scalars(
                select(Invoice)
                .where(Invoice.id.in_(invoice_ids))
                .order_by(Invoice.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        ).all()
        return {invoice.id: invoice for invoice in invoices}

    async def discount_taken(self, invoice_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(
                exists().where(
                    InvoiceMovement.invoice_id == invoice_id,
                    InvoiceMovement.kind == MovementKind.DISCOUNT.value,
                )
            )
        )
        return bool(found)

    # -- credit balances --------------------------------------------------------------------

    async def change_credit(
        self,
        *,
        customer_id: uuid.UUID,
        currency: str,
        change: Decimal,
        business_date: date,
        payment_id: uuid.UUID,
        invoice_id: uuid.UUID | None,
    ) -> Decimal:
        """Add `change` to the balance (created at 0) and write the movement: the new balance."""
        if change > 0:
            balance = await self.session.scalar(
                insert(CreditBalance)
                .values(customer_id=customer_id, currency=currency, balance=change)
                .on_conflict_do_update(
                    index_elements=[CreditBalance.customer_id, CreditBalance.currency],
                    set_={"balance": CreditBalance.balance + change, "updated_at": func.now()},
                )
                .returning(CreditBalance.balance)
            )
        else:
            # Taking credit off: the row exists (the check constraint stops it going below 0;
            # an INSERT of a negative row would trip it before ON CONFLICT is considered).
            balance = await self.session.scalar(
                update(CreditBalance)
                .where(CreditBalance.customer_id == customer_id, CreditBalance.currency == currency)
                .values(balance=CreditBalance.balance + change, updated_at=func.now())
                .returning(CreditBalance.balance)
            )
        assert balance is not None
        self.session.add(
            CreditBalanceMovement(
                customer_id=customer_id,
                currency=currency,
                change=change,
                balance_after=balance,
                business_date=business_date,
                payment_id=payment_id,
                invoice_id=invoice_id,
            )
        )
        await self.session.flush()
        return Decimal(balance)

    async def credit_balances_of(self, customer_id: uuid.UUID) -> Sequence[CreditBalance]:
        return (
            await self.session.scalars(
                select(CreditBalance)
                .where(CreditBalance.customer_id == customer_id)
                .order_by(CreditBalance.currency)
                .execution_options(populate_existing=True)
            )
        ).all()

    async def credit_movements_of(
        self, customer_id: uuid.UUID, limit: int
    ) -> Sequence[CreditBalanceMovement]:
        return (
            await self.session.scalars(
                select(CreditBalanceMovement)
                .where(CreditBalanceMovement.customer_id == customer_id)
                .order_by(CreditBalanceMovement.sequence.desc())
                .limit(limit)
            )
        ).all()

    # -- payer accounts ---------------------------------------------------------------------

    async def payer_customer(self, kind: str, value: str) -> uuid.UUID | None:
        return await self.session.scalar(
            select(PayerAccount.customer_id).where(
                PayerAccount.kind == kind,
                PayerAccount.value == value,
                PayerAccount.ambiguous.is_(False),
            )
        )

    async def learn_payer(
        self, payer: Sequence[tuple[str, str]], customer_id: uuid.UUID, learned_from: str
    ) -> None:
        """Remember who pays from each (kind, value); seen for a second customer, it matches no
        longer (a person's assignment overrides what matching learnt). One statement."""
        if not payer:
            return
        if learned_from != "assignment":
            await self.learn_payers_from_matches(
                [(kind, value, customer_id) for kind, value in payer]
            )
            return
        statement = insert(PayerAccount).values(
            [
                {
                    "id": uuid.uuid4(),
                    "kind": kind,
                    "value": value,
                    "customer_id": customer_id,
                    "learned_from": learned_from,
                }
                for kind, value in payer
            ]
        )
        set_ = {"customer_id": customer_id, "ambiguous": False, "learned_from": learned_from}
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["kind", "value"], set_=set_)
        )

    async def learn_payers_from_matches(self, payers: Sequence[tuple[str, str, uuid.UUID]]) -> None:
        """Remember each (kind, value) as paying for the customer a reference matched, many in
        one statement; one value seen for two customers (here or before) is ambiguous and
        matches no longer."""
        customers: dict[tuple[str, str], list[uuid.UUID]] = {}
        for kind, value, customer_id in payers:
            customers.setdefault((kind, value), []).append(customer_id)
        if not customers:
            return
        keys = sorted(customers)
        await self.session.execute(
            _LEARN_PAYERS,
            {
                "kind": [key[0] for key in keys],
                "value": [key[1] for key in keys],
                "customer_id": [customers[key][0] for key in keys],
                "ambiguous": [len(set(customers[key])) > 1 for key in keys],
            },
        )

    # -- advices ----------------------------------------------------------------------------

    async def add_advice(self, advice: PaymentAdvice) -> PaymentAdvice:
        self.session.add(advice)
        await self.session.flush()
        return advice

    async def matching_advice(
        self,
        *,
        customer_id: uuid.UUID,
        currency: str,
        amount: Decimal,
        received_on: date,
        window_days: int,
        references: Sequence[str],
    ) -> PaymentAdvice | None:
        """An unmatched advice of the customer for this payment: the same reference, else the
        same amount dated within the window; the oldest first. Locked, skipping one that a
        concurrent payment is taking."""
        same_amount = (
            (PaymentAdvice.currency == currency)
            & (PaymentAdvice.amount == amount)
            & (PaymentAdvice.paid_on >= received_on - timedelta(days=window_days))
            & (PaymentAdvice.paid_on <= received_on + timedelta(days=window_days))
        )
        conditions = [same_amount]
        if references:
            conditions.append(
                (PaymentAdvice.currency == currency) & PaymentAdvice.reference.in_(references)
            )
        return await self.session.scalar(
            select(PaymentAdvice)
            .where(
                PaymentAdvice.customer_id == customer_id,
                PaymentAdvice.payment_id.is_(None),
                or_(*conditions),
            )
            .order_by(PaymentAdvice.paid_on, PaymentAdvice.created_at)
            .limit(1)
            .with_for_update(skip_locked=True)
        )

    async def advice_customer_by_reference(
        self, currency: str, references: Sequence[str]
    ) -> uuid.UUID | None:
        """The customer of the one unmatched advice with this reference (none if several
        customers sent it)."""
        if not references:
            return None
        customers = (
            await self.session.scalars(
                select(PaymentAdvice.customer_id)
                .where(
                    PaymentAdvice.payment_id.is_(None),
                    PaymentAdvice.currency == currency,
                    PaymentAdvice.reference.in_(references),
                )
                .distinct()
                .limit(2)
            )
        ).all()
        return customers[0] if len(customers) == 1 else None

    async def link_advice(self, advice_id: uuid.UUID, payment_id: uuid.UUID, on: date) -> None:
        await self.session.execute(
            update(PaymentAdvice)
            .where(PaymentAdvice.id == advice_id)
            .values(payment_id=payment_id, matched_on=on)
        )

    async def advice_of_payment(self, payment_id: uuid.UUID) -> PaymentAdvice | None:
        return await self.session.scalar(
            select(PaymentAdvice).where(PaymentAdvice.payment_id == payment_id)
        )

    async def get_advice(self, advice_id: uuid.UUID) -> PaymentAdvice | None:
        return await self.session.get(PaymentAdvice, advice_id, populate_existing=True)

    async def advice_file(self, advice_id: uuid.UUID) -> tuple[bytes | None, str | None] | None:
        row = (
            await self.session.execute(
                select(PaymentAdvice.content, PaymentAdvice.content_type).where(
                    PaymentAdvice.id == advice_id
                )
            )
        ).first()
        return (row[0], row[1]) if row is not None else None

    async def advices_page(
        self, *, unmatched_before: date | None, customer_id: uuid.UUID | None, page: PageRequest
    ) -> tuple[list[PaymentAdvice], str | None]:
        statement: Select[Any] = select(PaymentAdvice)
        if unmatched_before is not None:
            statement = statement.where(
                PaymentAdvice.payment_id.is_(None), PaymentAdvice.paid_on <= unmatched_before
            )
        if customer_id is not None:
            statement = statement.where(PaymentAdvice.customer_id == customer_id)
        rows = (await self.session.scalars(ADVICE_ORDER.page_query(statement, page))).all()
        return ADVICE_ORDER.page_of(rows, page)
