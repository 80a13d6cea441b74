"""What a parsed bank statement file looks like, whatever its format.

Plain frozen dataclasses: the parsers build them, the payments code reads them. Amounts are
positive Decimals; the direction is `credit`. Balances are signed (a debit balance is negative).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

StatementFormat = Literal["camt.053", "camt.054", "mt940"]


class MalformedStatement(Exception):
    """The file cannot be read as a statement: nothing of it should be imported.

    `location` names the line ("line 12") or the element ("/Document/BkToCstmrStmt/Stmt[1]/
    Ntry[3]/Amt") that is wrong, so the message can point a person at it.
    """

    def __init__(self, location: str, message: str) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message


@dataclass(frozen=True, slots=True)
class Entry:
    #: The bank's reference for the entry (camt AcctSvcrRef/NtryRef, MT940 :61: bank reference);
    #: with the account it is the dedupe key. Where the bank gives none, a stable one is derived
    #: from the entry's content (prefix "content:"), see docs/bank-statements.md.
    entry_reference: str
    booking_date: date | None
    value_date: date | None
    amount: Decimal
    currency: str
    credit: bool
    reversal: bool
    return_: bool
    end_to_end_id: str | None
    structured_reference: str | None
    remittance_text: str | None
    payer_name: str | None
    payer_iban: str | None
    bank_transaction_code: str | None
    raw_position: str
    #: False for camt entries with status PDNG/INFO/FUTR: announced, not on the account.
    booked: bool = True
    #: Every creditor reference of the transaction, in order: a camt payment can name an
    #: invoice and the credit note deducted from it. structured_reference is the first.
    structured_references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Statement:
    account_iban: str | None
    account_other_id: str | None
    currency: str | None
    statement_id: str | None
    opening_balance: Decimal | None
    closing_balance: Decimal | None
    entries: list[Entry] = field(default_factory=list)
    balance_warning: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFile:
    format: StatementFormat
    version: str
    statements: list[Statement]
    warnings: list[str] = field(default_factory=list)
