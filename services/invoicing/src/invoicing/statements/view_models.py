"""An account statement as plain values: what JSON, CSV and PDF are rendered from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from invoicing.documents.view_models import Party


@dataclass(frozen=True)
class StatementLine:
    """One movement of an invoice's open amount or of the customer's credit balance, and the
    customer's balance after it."""

    business_date: date
    #: None for credit put on or taken off the balance without an invoice.
    invoice_id: uuid.UUID | None
    invoice_number: str | None
    #: The ledger's movement kind (issue, payment, credit_note, late_fee, interest, ...) or a
    #: credit balance's (credit_added, credit_applied, credit_reversed).
    kind: str
    #: Signed: + the customer owes more, - less.
    amount: Decimal
    balance: Decimal


@dataclass(frozen=True)
class CurrencyStatement:
    """Balances never mix currencies: one section per currency the customer was invoiced in."""

    currency: str
    #: Sum of the movements before the period (credit on the balance counts against it).
    opening_balance: Decimal
    lines: Sequence[StatementLine]
    closing_balance: Decimal


@dataclass(frozen=True)
class StatementDocument:
    customer_id: uuid.UUID
    #: Who issues the statement (the seller settings) and to whom.
    seller: Party
    customer: Party
    language: str
    period_from: date
    period_to: date
    currencies: Sequence[CurrencyStatement]
