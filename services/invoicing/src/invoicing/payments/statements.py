"""Bank statement files in: every booked credit a payment, every reversal or return of one
taken back. Parsing is invoicing.bankfiles' (docs/bank-statements.md); this is what the
entries do (docs/payments.md, Bank statements).

- The file is parsed whole first: a malformed one is refused naming the line or element, and
  nothing is stored. Every statement's account must be one of ours (INVOICING_BANK_ACCOUNTS).
- A booked credit (not a reversal, not a return) is a payment with source_key
  "account:entry reference": the same booking in a file uploaded twice, or in two overlapping
  statements, is one payment.
- A booked debit that reverses or returns a credit (camt RvslInd / RtrInf, MT940 RC, RTI,
  RETOURE...) reverses the payment it names: the same account and amount, not yet reversed,
  received by then, with the same end-to-end id, else the same reference, else from the same
  payer IBAN; the latest such. The entry's own key is kept on the payment (reversal_key), so
  the same reversal in a second file acts once. A reversal that names no payment we know is
  reported in the answer.
- Other debits (our own payments, bank charges) and entries not booked (camt PDNG, INFO) are
  counted and left alone.
- A statement whose balances do not add up is imported with its warning in the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.bankfiles import Entry, MalformedStatement, Statement, parse_statement
from invoicing.payments.matching import normalize_iban
from invoicing.payments.models import PaymentSource
from invoicing.payments.repository import PaymentRepository
from invoicing.payments.service import IncomingPayment, receive_payment, reverse_entry
from receivables_shared.clock import Clock
from receivables_shared.http.problems import InvalidField
from receivables_shared.money import fits_minor_units, minor_units
from receivables_shared.reference_codes import CURRENCIES


@dataclass
class StatementOutcome:
    account: str
    statement_id: str | None
    entries: int = 0
    payments_created: int = 0
    #: Credits already imported (the same file twice, overlapping statements).
    duplicates: int = 0
    reversals_applied: int = 0
    reversals_repeated: int = 0
    #: What the import could not do with an entry, and why (a reversal naming no payment).
    notes: list[str] = field(default_factory=list)
    other_debits: int = 0
    not_booked: int = 0
    balance_warning: str | None = None


@dataclass
class ImportOutcome:
    format: str
    version: str
    statements: list[StatementOutcome]
    warnings: list[str]


def account_of(statement: Statement) -> str | None:
    account = statement.account_iban or statement.account_other_id
    return account.replace(" ", "").upper() if account else None


async def import_statement_file(
    session: AsyncSession,
    clock: Clock,
    data: bytes,
    *,
    filename: str | None,
    known_accounts: frozenset[str],
) -> ImportOutcome:
    try:
        parsed = parse_statement(data, filename=filename)
    except MalformedStatement as error:
        raise InvalidField("file", f"{error.location}: {error.message}") from None
    accounts = []
    for index, statement in enumerate(parsed.statements, 1):
        account = account_of(statement)
        label = statement.statement_id or f"#{index}"
        if account is None:
            raise InvalidField("file", f"statement {label} names no account")
        if account not in known_accounts:
            raise InvalidField(
                "file",
                f"statement {label} is for account {account}, not one of ours "
                "(INVOICING_BANK_ACCOUNTS)",
            )
        accounts.append(account)
        for entry in statement.entries:
            known = entry.currency in CURRENCIES
            if known and not fits_minor_units(entry.amount, entry.currency):
                raise InvalidField(
                    "file",
                    f"{entry.raw_position}: {entry.amount} {entry.currency} has more "
                    f"decimals than the currency's {minor_units(entry.currency)}",
                )
    outcomes = [
        await _import(session, clock, statement, account)
        for statement, account in zip(parsed.statements, accounts, strict=True)
    ]
    return ImportOutcome(parsed.format, parsed.version, outcomes, list(parsed.warnings))


async def _import(
    session: AsyncSession, clock: Clock, statement: Statement, account: str
) -> StatementOutcome:
    outcome = StatementOutcome(
        account=account,
        statement_id=statement.statement_id,
        balance_warning=statement.balance_warning,
    )
    for entry in statement.entries:
        outcome.entries += 1
        if not entry.booked:
            outcome.not_booked += 1
            continue
        key = f"{account}:{entry.entry_reference}"
        on = entry.value_date or entry.booking_date or clock.today()
        if not entry.credit and (entry.reversal or entry.return_):
            await _reverse(session, clock, entry, account, key, on, outcome)
        elif entry.credit and not entry.reversal and not entry.return_:
            if entry.currency not in CURRENCIES or entry.amount <= 0:
                outcome.notes.append(
                    f"{entry.raw_position}: {entry.amount} {entry.currency} is not a payment "
                    "we can record (currency not in use, or no amount); skipped"
                )
                continue
            _, created = await receive_payment(session, clock, _incoming(entry, key, on))
            if created:
                outcome.payments_created += 1
            else:
                outcome.duplicates += 1
        else:
            outcome.other_debits += 1
    return outcome


def _incoming(entry: Entry, key: str, on: date) -> IncomingPayment:
    references = list(entry.structured_references or ())
    if entry.structured_reference and entry.structured_reference not in references:
        references.insert(0, entry.structured_reference)
    # Every creditor reference of the transaction in the text, so each named invoice is found.
    text = " ".join(part for part in (*references[1:], entry.remittance_text or "") if part)
    return IncomingPayment(
        source=PaymentSource.BANK_STATEMENT,
        source_key=key,
        amount=entry.amount,
        currency=entry.currency,
        received_on=on,
        method="bank_transfer",
        reference=references[0] if references else None,
        remittance_text=text or None,
        payer_name=entry.payer_name,
        payer_iban=entry.payer_iban,
        end_to_end_id=_real_end_to_end_id(entry.end_to_end_id),
    )


def _real_end_to_end_id(value: str | None) -> str | None:
    return None if not value or value.upper() == "NOTPROVIDED" else value


async def _reverse(
    session: AsyncSession,
    clock: Clock,
    entry: Entry,
    account: str,
    key: str,
    on: date,
    outcome: StatementOutcome,
) -> None:
    repository = PaymentRepository(session)
    if await repository.reversed_by(key) is not None:
        outcome.reversals_repeated += 1
        return
    references = [ref for ref in (entry.structured_reference,) if ref]
    payment = await repository.reversal_candidate(
        account=account,
        amount=entry.amount,
        currency=entry.currency,
        booked_on=on,
        end_to_end_id=_real_end_to_end_id(entry.end_to_end_id),
        references=references,
        payer_iban=normalize_iban(entry.payer_iban),
    )
    if payment is None:
        outcome.notes.append(
            f"{entry.raw_position}: a reversal of {entry.amount} {entry.currency} names no "
            "payment received into this account"
        )
        return
    kind = "return" if entry.return_ else "reversal"
    await reverse_entry(session, clock, payment.id, key, on, f"bank {kind} {entry.entry_reference}")
    outcome.reversals_applied += 1
