"""Invoices: issue (terms, tax, due date, number, RF reference), read, list, issue delays,
due-date extensions and cancellation. Open amounts change only through invoicing.ledger."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.lookup import CustomerLookup
from invoicing.customers.repository import KnownCustomerRepository
from invoicing.customers.service import require_known_customer
from invoicing.invoices.due_dates import due_date_for
from invoicing.invoices.events import due_date_extended, invoice_cancelled, invoice_issued
from invoicing.invoices.models import DueDateExtension, Invoice, InvoiceState, TermsSource
from invoicing.invoices.pricing import MAX_AMOUNT, price_lines, round_to_currency
from invoicing.invoices.references import make_rf
from invoicing.invoices.repository import DelayRow, InvoiceFilters, InvoiceRepository
from invoicing.invoices.schemas import CancelRequest, DueDateExtensionCreate, InvoiceCreate
from invoicing.ledger.models import InvoiceMovement, MovementKind
from invoicing.ledger.repository import LedgerRepository
from invoicing.ledger.service import post_movement
from invoicing.numbering.repository import format_number, next_number
from invoicing.payments.allocation import consume_credit
from invoicing.payments.repository import PaymentRepository
from invoicing.settings import Settings
from invoicing.terms.repository import CustomerTermsRepository
from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField, NotFound, ProblemError
from receivables_shared.outbox import record_event
from receivables_shared.pagination import PageRequest

#: The credit notes' series: an invoice may not use it.
CREDIT_NOTE_SERIES = "CN"
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class _Terms:
    payment_term_days: int
    business_day_rule: str
    discount_percent: Decimal
    discount_days: int
    interest_percent: Decimal
    interest_grace_days: int
    source: TermsSource
    version: int | None


async def _terms_for(session: AsyncSession, customer_id: uuid.UUID, settings: Settings) -> _Terms:
    terms = await CustomerTermsRepository(session).get(customer_id)
    if terms is None:
        # Documented defaults (docs/invoices.md): no discount, no interest.
        return _Terms(
            payment_term_days=settings.default_payment_term_days,
            business_day_rule=settings.default_business_day_rule,
            discount_percent=Decimal(0),
            discount_days=0,
            interest_percent=Decimal(0),
            interest_grace_days=0,
            source=TermsSource.DEFAULTS,
            version=None,
        )
    return _Terms(
        payment_term_days=terms.payment_term_days,
        business_day_rule=terms.business_day_rule,
        discount_percent=terms.early_payment_discount_percent,
        discount_days=terms.early_payment_discount_days,
        interest_percent=terms.late_interest_percent_per_month,
        interest_grace_days=terms.interest_grace_days,
        source=TermsSource.CUSTOMER_TERMS,
        version=terms.terms_version,
    )


async def issue_invoice(
    session: AsyncSession,
    clock: Clock,
    data: InvoiceCreate,
    customers: CustomerLookup,
    settings: Settings,
    issuing_system: str,
) -> Invoice:
    issue_date = data.issue_date or clock.today()
    if data.series == CREDIT_NOTE_SERIES:
        raise InvalidField("series", f'"{CREDIT_NOTE_SERIES}" is the credit notes\' series')
    if data.due_date is not None and data.due_date < issue_date:
        raise InvalidField("due_date", "must not be before the issue date")
    issued_at = clock.now()
    if data.completed_at is not None and data.completed_at > issued_at:
        raise InvalidField("completed_at", "must not be in the future")
    lines = price_lines(data.lines, data.currency, settings.allowed_tax_rates)
    net_total = sum((line.net for line in lines), Decimal(0))
    tax_total = sum((line.tax for line in lines), Decimal(0))
    total = net_total + tax_total
    if total >= MAX_AMOUNT:
        raise InvalidField("lines", "the invoice total is too large")
    if total == 0:
        raise InvalidField("lines", "the invoice total must be above zero")
    # Last of the checks: it may ask credit-policy or wait, so bad input fails before that.
    await require_known_customer(session, data.customer_id, customers)
    customer = await KnownCustomerRepository(session).fresh(data.customer_id)
    assert customer is not None  # required just above
    if data.currency != customer.currency:
        raise InvalidField(
            "currency", f"the customer is invoiced in {customer.currency}, not {data.currency}"
        )

    terms = await _terms_for(session, data.customer_id, settings)
    term_days, source = terms.payment_term_days, terms.source
    if data.payment_term_days is not None or data.due_date is not None:
        source = TermsSource.REQUEST
    if data.due_date is not None:
        due_date = data.due_date
        term_days = (due_date - issue_date).days
    else:
        if data.payment_term_days is not None:
            term_days = data.payment_term_days
        due_date = due_date_for(issue_date, term_days, terms.business_day_rule, customer.country)

    discount_until = discount_amount = None
    if terms.discount_percent > 0 and terms.discount_days > 0:
        discount_until = min(issue_date + timedelta(days=terms.discount_days), due_date)
        discount_amount = round_to_currency(total * terms.discount_percent / HUNDRED, data.currency)

    # The customer's allocation lock before the series counter: consume_credit below needs it,
    # and waiting for it while holding the counter would stall every issuer of the series
    # behind one customer's bank-file or webhook batch. (Advisory locks are re-entrant.)
    await PaymentRepository(session).lock_customer(data.customer_id)
    number = format_number(
        data.series, issue_date.year, await next_number(session, data.series, issue_date.year)
    )
    invoice = await InvoiceRepository(session).add(
        Invoice(
            number=number,
            series=data.series,
            customer_id=data.customer_id,
            currency=data.currency,
            net_total=net_total,
            tax_total=tax_total,
            total=total,
            open_amount=Decimal(0),  # the issue movement raises it to the total
            paid_amount=Decimal(0),
            state=InvoiceState.ISSUED,
            issue_date=issue_date,
            due_date=due_date,
            original_due_date=due_date,
            completed_at=data.completed_at,
            issued_at=issued_at,
            issuing_system=issuing_system,
            order_reference=data.order_reference,
            rf_reference=make_rf(number),
            payment_term_days=term_days,
            terms_source=source,
            terms_version=terms.version,
            business_day_rule=terms.business_day_rule,
            early_payment_discount_percent=terms.discount_percent,
            discount_until=discount_until,
            discount_amount=discount_amount,
            late_interest_percent_per_month=terms.interest_percent,
            interest_grace_days=terms.interest_grace_days,
            imported=False,
            lines=lines,
        )
    )
    await post_movement(
        session,
        invoice,
        kind=MovementKind.ISSUE,
        amount=total,
        business_date=issue_date,
        source_id=invoice.id,
    )
    record_event(session, invoice_issued(invoice, len(lines), settings.business_zone), clock=clock)
    # The customer's credit balance (earlier overpayments) pays the new invoice at once.
    await consume_credit(session, clock, invoice)
    return invoice


async def get_invoice(
    session: AsyncSession, invoice_id: uuid.UUID, *, for_update: bool = False
) -> Invoice:
    invoice = await InvoiceRepository(session).get(invoice_id, for_update=for_update)
    if invoice is None:
        raise NotFound("Invoice", invoice_id)
    return invoice


async def movements_of(session: AsyncSession, invoice: Invoice) -> Sequence[InvoiceMovement]:
    return await LedgerRepository(session).movements_of(invoice.id)


async def list_invoices(
    session: AsyncSession, clock: Clock, filters: InvoiceFilters, page: PageRequest
) -> tuple[list[Invoice], str | None]:
    filters = dataclasses.replace(filters, today=clock.today())
    return await InvoiceRepository(session).page(filters, page)


async def issue_delays(
    session: AsyncSession, date_from: date, date_to: date
) -> tuple[list[DelayRow], int]:
    if date_to < date_from:
        raise InvalidField("to", "must not be before from", location="query")
    # Issued on the days from..to inclusive (UTC days: issued_at is a timestamp).
    start = datetime.combine(date_from, time.min, tzinfo=UTC)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=UTC)
    return await InvoiceRepository(session).issue_delays(start, end)


async def extend_due_date(
    session: AsyncSession, clock: Clock, invoice_id: uuid.UUID, data: DueDateExtensionCreate
) -> Invoice:
    invoice = await get_invoice(session, invoice_id, for_update=True)
    business_date = data.business_date or clock.today()
    if invoice.state in (InvoiceState.PAID, InvoiceState.CANCELLED, InvoiceState.WRITTEN_OFF):
        raise ProblemError(409, f"invoice {invoice.number} is {invoice.state}: nothing is due")
    if data.due_date <= invoice.due_date:
        raise InvalidField("due_date", f"must be later than the current {invoice.due_date}")
    extension = DueDateExtension(
        invoice_id=invoice.id,
        previous_due_date=invoice.due_date,
        due_date=data.due_date,
        reason=data.reason,
        business_date=business_date,
    )
    await InvoiceRepository(session).add_extension(extension)
    invoice.due_date = data.due_date
    if data.due_date > business_date and invoice.overdue_since is not None:
        # Not overdue any more: the overdue job announces it again if the new date passes.
        invoice.overdue_since = None
        if invoice.state == InvoiceState.OVERDUE:
            invoice.state = InvoiceState.ISSUED
    record_event(session, due_date_extended(invoice, extension), clock=clock)
    return invoice


async def cancel_invoice(
    session: AsyncSession, clock: Clock, invoice_id: uuid.UUID, data: CancelRequest
) -> Invoice:
    invoice = await get_invoice(session, invoice_id, for_update=True)
    business_date = data.business_date or clock.today()
    if invoice.state == InvoiceState.CANCELLED:
        raise ProblemError(409, f"invoice {invoice.number} is already cancelled")
    if invoice.paid_amount != 0 or invoice.state in (InvoiceState.PAID, InvoiceState.WRITTEN_OFF):
        raise ProblemError(
            409, f"invoice {invoice.number} has payments or is settled: issue a credit note"
        )
    if business_date < invoice.issue_date:
        raise InvalidField("business_date", "must not be before the issue date")
    removed = invoice.open_amount
    invoice.cancel_reason = data.reason
    invoice.cancelled_on = business_date
    movement_sequence = None
    if removed > 0:
        movement = await post_movement(
            session,
            invoice,
            kind=MovementKind.CANCELLATION,
            amount=-removed,
            business_date=business_date,
            source_id=invoice.id,
        )
        movement_sequence = movement.sequence
    invoice.state = InvoiceState.CANCELLED
    record_event(
        session, invoice_cancelled(invoice, removed, business_date, movement_sequence), clock=clock
    )
    return invoice
