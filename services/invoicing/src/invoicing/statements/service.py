"""The account statement (issue 8): opening balance, every movement, closing balance, per currency.

The balance is what the customer owes: the sum of the signed movements of its invoices (issue,
fees and interest raise it; payments, discounts, credit notes, write-offs and cancellations
lower it). closing = opening + the movements of the period, in each currency.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.customers.repository import KnownCustomerRepository
from invoicing.documents.builder import buyer_party, seller_party
from invoicing.documents.seller import SellerSettings
from invoicing.documents.texts import document_language
from invoicing.statements.repository import StatementRepository
from invoicing.statements.view_models import CurrencyStatement, StatementDocument, StatementLine
from receivables_shared.http.problems import InvalidField, NotFound
from receivables_shared.money import quantum


async def customer_statement(
    session: AsyncSession,
    customer_id: uuid.UUID,
    period_from: date,
    period_to: date,
    seller: SellerSettings,
) -> StatementDocument:
    if period_to < period_from:
        raise InvalidField("to", "must not be before 'from'", location="query")
    customer = await KnownCustomerRepository(session).get(customer_id)
    if customer is None:
        raise NotFound("Customer", customer_id)

    repository = StatementRepository(session)
    openings = await repository.balances_before(customer_id, period_from)
    rows = await repository.movements_between(customer_id, period_from, period_to)

    # The customer's own currency always has a section, if only to say the balance is 0.
    currencies = sorted({customer.currency, *openings, *(row.currency for row in rows)})
    sections = []
    for currency in currencies:
        step = quantum(currency)
        opening = openings.get(currency, step * 0).quantize(step)
        lines = [
            StatementLine(
                business_date=row.business_date,
                invoice_id=row.invoice_id,
                invoice_number=row.invoice_number,
                kind=row.kind,
                amount=row.amount.quantize(step),
                balance=(opening + row.running_total).quantize(step),
            )
            for row in rows
            if row.currency == currency
        ]
        closing = lines[-1].balance if lines else opening
        sections.append(CurrencyStatement(currency, opening, lines, closing))
    return StatementDocument(
        customer_id=customer_id,
        seller=seller_party(seller),
        customer=buyer_party(customer),
        language=document_language(customer.language),
        period_from=period_from,
        period_to=period_to,
        currencies=sections,
    )
