"""Credit notes: full, partial by a gross amount, or by invoice lines. Never above the open
amount. A fully credited invoice reaches open 0 and is `paid` (settled: nothing is owed);
the credit note, not a payment, settled it, as its movements show."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.credit_notes.events import credit_note_issued
from invoicing.credit_notes.models import CreditNote
from invoicing.credit_notes.repository import CreditNoteRepository
from invoicing.credit_notes.schemas import CreditedLine, CreditNoteCreate
from invoicing.invoices.models import Invoice, InvoiceState
from invoicing.invoices.pricing import HUNDRED, round_to_currency
from invoicing.invoices.service import CREDIT_NOTE_SERIES, get_invoice
from invoicing.ledger.models import MovementKind
from invoicing.ledger.repository import LedgerRepository
from invoicing.ledger.service import post_movement
from invoicing.numbering.repository import format_number, next_number
from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField, ProblemError
from receivables_shared.money import fits_minor_units, minor_units
from receivables_shared.outbox import record_event


async def issue_credit_note(
    session: AsyncSession, clock: Clock, invoice_id: uuid.UUID, data: CreditNoteCreate
) -> tuple[Invoice, CreditNote]:
    invoice = await get_invoice(session, invoice_id, for_update=True)  # one at a time
    if invoice.state == InvoiceState.CANCELLED:
        raise ProblemError(409, f"invoice {invoice.number} is cancelled")
    if data.amount is not None and data.lines is not None:
        raise InvalidField("lines", "give amount or lines, not both")
    business_date = data.business_date or clock.today()
    if business_date < invoice.issue_date:
        raise InvalidField("business_date", "must not be before the invoice's issue date")

    credited_lines: list[dict[str, Any]] | None = None
    if data.lines is not None:
        net, tax, credited_lines = await _by_lines(session, invoice, data.lines)
        amount, field = net + tax, "lines"
    else:
        if data.amount is not None and not fits_minor_units(data.amount, invoice.currency):
            raise InvalidField(
                "amount",
                f"{invoice.currency} amounts have at most {minor_units(invoice.currency)} decimals",
            )
        amount = data.amount if data.amount is not None else invoice.open_amount
        # Interest and fees in the open amount carry no tax: only the goods part still open
        # (payments settle charges first) takes the invoice's tax proportion.
        unpaid_charges = max(
            await LedgerRepository(session).charges_of(invoice.id) - invoice.paid_amount,
            Decimal(0),
        )
        taxable = max(invoice.open_amount - unpaid_charges, Decimal(0))
        tax = _tax_share(invoice, min(amount, taxable))
        net, field = amount - tax, "amount"
    if amount <= 0 or amount > invoice.open_amount:
        raise InvalidField(field, f"credits {amount}, but the open amount is {invoice.open_amount}")

    sequence = await next_number(session, CREDIT_NOTE_SERIES, business_date.year)
    credit_note = await CreditNoteRepository(session).add(
        CreditNote(
            number=format_number(CREDIT_NOTE_SERIES, business_date.year, sequence),
            invoice_id=invoice.id,
            customer_id=invoice.customer_id,
            currency=invoice.currency,
            net=net,
            tax=tax,
            amount=amount,
            reason=data.reason,
            business_date=business_date,
            lines=credited_lines,
        )
    )
    movement = await post_movement(
        session,
        invoice,
        kind=MovementKind.CREDIT_NOTE,
        amount=-amount,
        business_date=business_date,
        source_id=credit_note.id,
    )
    record_event(session, credit_note_issued(invoice, credit_note, movement.sequence), clock=clock)
    return invoice, credit_note


def _tax_share(invoice: Invoice, gross: Decimal) -> Decimal:
    """The tax in a gross amount credited, in the invoice's own proportion of tax to total."""
    if invoice.total == 0:
        return Decimal(0)
    return round_to_currency(gross * invoice.tax_total / invoice.total, invoice.currency)


async def _by_lines(
    session: AsyncSession, invoice: Invoice, credited: list[CreditedLine]
) -> tuple[Decimal, Decimal, list[dict[str, Any]]]:
    # What earlier credit notes took of each line: quantity, net and tax.
    taken: defaultdict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 3)
    for note in await CreditNoteRepository(session).of_invoice(invoice.id):
        for before in note.lines or []:
            sums = taken[int(before["line_index"])]
            for position, key in enumerate(("quantity", "net", "tax")):
                sums[position] += Decimal(before[key])
    net_total = tax_total = Decimal(0)
    result = []
    for index, request in enumerate(credited):
        if request.line_index >= len(invoice.lines):
            raise InvalidField(
                f"lines[{index}].line_index", f"the invoice has {len(invoice.lines)} lines"
            )
        line = invoice.lines[request.line_index]
        quantity_taken, net_taken, tax_taken = taken[request.line_index]
        left = line.quantity - quantity_taken
        if request.quantity > left:
            raise InvalidField(f"lines[{index}].quantity", f"only {left} of this line is left")
        if request.quantity == left:
            # The rest of the line: exactly what was invoiced less what was credited, so
            # rounding per credit note never adds up to more (or less) than the line.
            net, tax = line.net - net_taken, line.tax - tax_taken
        else:
            net = round_to_currency(request.quantity * line.unit_price, invoice.currency)
            tax = round_to_currency(net * line.tax_rate / HUNDRED, invoice.currency)
        taken[request.line_index] = [
            quantity_taken + request.quantity,
            net_taken + net,
            tax_taken + tax,
        ]
        net_total += net
        tax_total += tax
        result.append(
            {
                "line_index": request.line_index,
                "description": line.description,
                "quantity": str(request.quantity),
                "net": str(net),
                "tax": str(tax),
                "gross": str(net + tax),
            }
        )
    return net_total, tax_total, result


async def credit_notes_of(
    session: AsyncSession, invoice_id: uuid.UUID
) -> tuple[Invoice, Sequence[CreditNote]]:
    invoice = await get_invoice(session, invoice_id)
    return invoice, await CreditNoteRepository(session).of_invoice(invoice.id)
