"""Disputes come from collections (DisputeOpened / DisputeResolved): invoicing only keeps the
invoice's state `disputed` while any dispute on it is open, so lists, statements and the
document show it. The money side of a resolution is a credit note or a corrected invoice,
issued through invoicing's API like any other; a rejected dispute changes no amount."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.disputes.repository import DisputeRepository
from invoicing.invoices.models import InvoiceState
from invoicing.invoices.repository import InvoiceRepository
from invoicing.ledger.service import undisputed_state
from receivables_shared.events import DisputeOpened, DisputeResolved

log = logging.getLogger(__name__)

#: An invoice in these states has nothing left to dispute: the dispute is kept, the state stays.
CLOSED_STATES = frozenset({InvoiceState.PAID, InvoiceState.WRITTEN_OFF, InvoiceState.CANCELLED})


async def open_dispute(session: AsyncSession, event: DisputeOpened) -> None:
    invoices = InvoiceRepository(session)
    invoice = await invoices.get(event.invoice_id, for_update=True)
    if invoice is None:
        # Collections only knows invoices invoicing announced: this is another deployment's.
        log.warning("DisputeOpened for unknown invoice %s ignored", event.invoice_id)
        return
    if not await DisputeRepository(session).open(event):
        return
    if invoice.state not in CLOSED_STATES:
        invoice.state = InvoiceState.DISPUTED


async def resolve_dispute(session: AsyncSession, event: DisputeResolved) -> None:
    disputes = DisputeRepository(session)
    invoice = await InvoiceRepository(session).get(event.invoice_id, for_update=True)
    if invoice is None or not await disputes.resolve(
        event.dispute_id, event.resolution, event.resolved_on
    ):
        return
    if invoice.state == InvoiceState.DISPUTED and not await disputes.any_open(invoice.id):
        invoice.state = undisputed_state(invoice)
