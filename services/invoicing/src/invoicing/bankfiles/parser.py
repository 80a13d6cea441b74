"""parse_statement: bytes of a bank file in, statements and entries out. No database."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from invoicing.bankfiles.camt import looks_like_camt, parse_camt
from invoicing.bankfiles.models import MalformedStatement, ParsedFile, Statement
from invoicing.bankfiles.mt940 import decode, looks_like_mt940, parse_mt940
from invoicing.bankfiles.references import with_derived_references

#: Larger files are refused before parsing; a year of a busy account's camt.053 is ~ 50 MB.
MAX_FILE_BYTES = 100 * 1024 * 1024


def parse_statement(data: bytes, *, filename: str | None = None) -> ParsedFile:
    """Parse a camt.053, camt.054 or MT940 file, whichever the content is.

    The format is read from the content (XML root and namespace, MT940 :20: and :60F: tags),
    never from `filename`, which only labels warnings. Raises MalformedStatement naming the
    line or element that is wrong; a file whose balances do not add up still parses, with
    `Statement.balance_warning` set.
    """
    label = filename or "the file"
    if len(data) > MAX_FILE_BYTES:
        raise MalformedStatement("line 1", f"{label} is larger than {MAX_FILE_BYTES} bytes")
    if not data.strip():
        raise MalformedStatement("line 1", f"{label} is empty")
    if looks_like_camt(data):
        parsed = parse_camt(data)
    else:
        text = decode(data)
        if not looks_like_mt940(text):
            raise MalformedStatement(
                "line 1", f"{label} is neither camt.053/054 XML nor MT940 (no :20: and :60F:)"
            )
        parsed = parse_mt940(text)
    statements = [_reconciled(_referenced(statement)) for statement in parsed.statements]
    warnings = list(parsed.warnings)
    warnings += [
        f"statement {s.statement_id or index}: {s.balance_warning}"
        for index, s in enumerate(statements, 1)
        if s.balance_warning
    ]
    return replace(parsed, statements=statements, warnings=warnings)


def _referenced(statement: Statement) -> Statement:
    return replace(statement, entries=with_derived_references(statement.entries))


def _reconciled(statement: Statement) -> Statement:
    """Warn (never fail) when opening + credits - debits != closing: banks' own samples
    and anonymised exports do not always add up, and the entries are still real."""
    if statement.opening_balance is None or statement.closing_balance is None:
        return statement
    movement = sum(
        (entry.amount if entry.credit else -entry.amount)
        for entry in statement.entries
        if entry.booked
    )
    expected = statement.opening_balance + Decimal(movement)
    if expected == statement.closing_balance:
        return statement
    return replace(
        statement,
        balance_warning=(
            f"opening balance {statement.opening_balance} + entries {movement} = {expected}, "
            f"but the closing balance is {statement.closing_balance}"
        ),
    )
