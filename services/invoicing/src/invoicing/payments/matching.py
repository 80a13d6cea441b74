"""Whose money is it: finding the customer (and the invoices) a payment is for.

In this order (docs/payments.md, Matching):

1. The customer a person named (a manual payment, an assignment, or a sender that knows it).
2. A structured RF reference or an invoice number found in the payment's reference or
   remittance text (`find_references`; an RF that fails its check digits matches nothing),
   naming invoices of one customer.
3. The payer's IBAN, then the payer's name, known for exactly one customer (payer_accounts,
   learnt from assignments and from payments matched by reference).
4. The reference of an unmatched payment advice that one customer sent.

No match: the payment waits in the unmatched queue for a person.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from stdnum import iban as stdnum_iban

from invoicing.invoices.references import find_references
from invoicing.payments.models import PayerKind, Payment
from invoicing.payments.repository import InvoiceRef, PaymentRepository

#: Legal-form words that say nothing about who pays ("SIA Koks" and "Koks SIA" are one payer).
_LEGAL_FORMS = frozenset(
    {"sia", "as", "ltd", "llc", "gmbh", "oy", "ab", "ooo", "ood", "ead", "eood", "ad", "inc"}
)


@dataclass
class Match:
    customer_id: uuid.UUID | None
    #: Invoices the payment names, in the order named (of the matched customer only).
    invoice_ids: list[uuid.UUID] = field(default_factory=list)
    #: "person", "reference", "iban", "name", "advice" or None.
    matched_by: str | None = None


def normalize_iban(value: str | None) -> str | None:
    if not value:
        return None
    compact = str(stdnum_iban.compact(value))
    return compact if 0 < len(compact) <= 34 else None


def normalize_name(value: str | None) -> str | None:
    """Lower case, accents and punctuation gone, legal forms dropped, words sorted."""
    if not value:
        return None
    text = unicodedata.normalize("NFKD", value)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    words = [w for w in re.split(r"[^0-9a-z]+", text) if w and w not in _LEGAL_FORMS]
    return " ".join(sorted(words))[:200] or None


def searchable_text(payment: Payment) -> str:
    return text_to_search(payment.reference, payment.remittance_text)


def text_to_search(reference: str | None, remittance_text: str | None) -> str:
    return " ".join(part for part in (reference, remittance_text) if part)


async def find_customer(
    repository: PaymentRepository,
    payment: Payment,
    *,
    customer_id: uuid.UUID | None,
    invoice_numbers: Sequence[str] = (),
) -> Match:
    found = find_references(searchable_text(payment))
    numbers = [*invoice_numbers, *found.invoice_numbers]
    invoices: Sequence[InvoiceRef] = []
    if found.rf_references or numbers:
        invoices = await repository.invoice_refs(found.rf_references, numbers)
    match = match_by_references(found.rf_references, numbers, invoices, customer_id)
    if match is not None:
        return match
    for kind, value in (
        (PayerKind.IBAN, normalize_iban(payment.payer_iban)),
        (PayerKind.NAME, normalize_name(payment.payer_name)),
    ):
        known = await repository.payer_customer(kind, value) if value else None
        if known is not None:
            return Match(known, [], kind.value)
    references = [ref for ref in (payment.reference,) if ref]
    if (
        known := await repository.advice_customer_by_reference(payment.currency, references)
    ) is not None:
        return Match(known, [], "advice")
    return Match(None)


def match_by_references(
    rf_references: Sequence[str],
    numbers: Sequence[str],
    invoices: Sequence[InvoiceRef],
    customer_id: uuid.UUID | None,
) -> Match | None:
    """Steps 1 and 2 over the invoices found by the payment's references (any superset will
    do: a batch looks up all its payments' references at once): the match, or None when the
    payer's IBAN, name or an advice must decide."""
    position = {ref: i for i, ref in enumerate([*rf_references, *numbers])}
    named = [inv for inv in invoices if inv.rf_reference in position or inv.number in position]
    # In the order the payment names them.
    named.sort(
        key=lambda inv: min(position.get(inv.rf_reference, 99), position.get(inv.number, 99))
    )
    if customer_id is not None:
        return Match(
            customer_id, [inv.id for inv in named if inv.customer_id == customer_id], "person"
        )
    if named:
        first_customer = named[0].customer_id
        ids = [inv.id for inv in named if inv.customer_id == first_customer]
        return Match(first_customer, ids, "reference")
    return None


async def learn_payer(
    repository: PaymentRepository, payment: Payment, customer_id: uuid.UUID, learned_from: str
) -> None:
    """Remember the payer's IBAN and name for the customer, for the payments to come."""
    payer = [
        (kind.value, value)
        for kind, value in (
            (PayerKind.IBAN, normalize_iban(payment.payer_iban)),
            (PayerKind.NAME, normalize_name(payment.payer_name)),
        )
        if value
    ]
    await repository.learn_payer(payer, customer_id, learned_from)
