"""SWIFT MT940 customer statements: a small parser of our own.

The maintained `mt-940` package was tried on the bank samples first (docs/bank-statements.md):
it merges the statements of a file into one set of balances, fails on ING's wrapped
`:28C:` and folds Deutsche Bank's stray space into the customer reference. Reading the tags is
short, so we read them ourselves and keep each statement (a `:20:` block) apart.

Handled: LF, CRLF and CR-only line endings; the SWIFT envelope ({1:}{2:}{3:}{4: ... -}{5:}) or
none; a leading `:940:` line; lone `-` lines between messages (and inside a wrapped `:86:`);
fields wrapped mid-value; RC/RD reversal marks; a funds code after the mark; amounts with a
decimal comma ("79,7", "300,").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from invoicing.bankfiles.amounts import too_large
from invoicing.bankfiles.models import Entry, MalformedStatement, ParsedFile, Statement
from invoicing.bankfiles.mt940_details import parse_details
from invoicing.bankfiles.references import iban_shape, split_account

_TAG = re.compile(r"^:(\d{2}[A-Z]?):(.*)$")
_ENVELOPE_HEAD = re.compile(r"^(?:\{[1-3]:(?:[^{}]|\{[^{}]*\})*\})+(?:\{4:)?|^\{4:")
#: SOH/ETX frame each message in files straight from a SWIFT interface (PostFinance).
_FRAMING = str.maketrans("", "", "\x01\x03")
#: End of block 4 and the trailer blocks ({5:{MAC:..}{CHK:..}}, {S:..}), on one line or apart.
_ENVELOPE_TAIL = re.compile(r"^(?:-\})?(?:\{[5S]:(?:[^{}]|\{[^{}]*\})*\})*")
_BALANCE = re.compile(r"^(?P<mark>[CD])(?P<date>\d{6})(?P<currency>[A-Z]{3})(?P<amount>\d[\d,]*)$")
_STATEMENT_LINE = re.compile(
    r"^(?P<value_date>\d{6})(?P<entry_date>\d{4})?"
    r"(?P<mark>RC|RD|C|D)(?P<funds>[A-Z])?"
    r"(?P<amount>\d[\d,]*)\s*"
    r"(?P<type>[A-Z])(?P<code>[A-Z0-9]{3})"
    r"(?P<customer_ref>.*?)(?://(?P<bank_ref>.*))?$"
)


def looks_like_mt940(text: str) -> bool:
    return bool(re.search(r"^:20:", text, re.MULTILINE)) and bool(
        re.search(r"^:60[FM]:", text, re.MULTILINE)
    )


def decode(data: bytes) -> str:
    """UTF-8 when it is; else Latin-1 (German and Swiss banks' usual charset)."""
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class _Field:
    tag: str
    line: int
    lines: list[str]

    @property
    def value(self) -> str:
        # Fields are wrapped at a fixed width, often mid-word: join without a separator.
        return "".join(self.lines)


@dataclass
class _Block:
    fields: list[_Field] = field(default_factory=list)


def _fields(text: str) -> list[_Field]:
    lines = text.split("\n")
    fields: list[_Field] = []
    for number, raw in enumerate(lines, 1):
        line = _ENVELOPE_HEAD.sub("", _ENVELOPE_TAIL.sub("", raw.translate(_FRAMING)))
        if not line.strip():
            continue
        if line.strip() == ":940:":
            continue
        if line.strip() == "-" and _next_starts_tag(lines, number):
            continue  # end of a message
        if match := _TAG.match(line):
            fields.append(_Field(match.group(1), number, [match.group(2)]))
        elif fields:
            fields[-1].lines.append(line)
        else:
            raise MalformedStatement(f"line {number}", "text before the first MT940 tag")
    return fields


def _next_starts_tag(lines: list[str], number: int) -> bool:
    for following in lines[number:]:
        following = following.translate(_FRAMING)
        following = _ENVELOPE_HEAD.sub("", _ENVELOPE_TAIL.sub("", following)).strip()
        if following:
            return following.startswith(":")
    return True


def _amount(value: str, line: int) -> Decimal:
    if value.count(",") != 1:
        raise MalformedStatement(f"line {line}", f"{value!r} is not an MT940 amount (n,nn)")
    whole, fraction = value.split(",")
    amount = Decimal(f"{int(whole)}.{fraction or '0'}")
    if too_large(amount):
        raise MalformedStatement(f"line {line}", f"{value!r} is too large an amount")
    return amount


def _date(value: str, line: int) -> date:
    try:
        year = int(value[:2])
        # SWIFT years have two digits; statements before 1980 are not imported.
        return date(1900 + year if year >= 80 else 2000 + year, int(value[2:4]), int(value[4:6]))
    except ValueError:
        raise MalformedStatement(f"line {line}", f"{value!r} is not a YYMMDD date") from None


def _balance(item: _Field) -> tuple[Decimal, str, date]:
    match = _BALANCE.match(item.value.strip())
    if not match:
        raise MalformedStatement(
            f"line {item.line}", f":{item.tag}: must be C|D, YYMMDD, currency, amount"
        )
    amount = _amount(match["amount"], item.line)
    return (
        amount if match["mark"] == "C" else -amount,
        match["currency"],
        _date(match["date"], item.line),
    )


def _entry_date(value_date: date, mmdd: str | None, line: int) -> date | None:
    if not mmdd:
        return None
    try:
        booked = date(value_date.year, int(mmdd[:2]), int(mmdd[2:]))
    except ValueError:
        raise MalformedStatement(f"line {line}", f"{mmdd!r} is not an MMDD date") from None
    # Booked in late December for a January value date, or the other way round.
    if (booked - value_date).days > 180:
        booked = booked.replace(year=booked.year - 1)
    elif (value_date - booked).days > 180:
        booked = booked.replace(year=booked.year + 1)
    return booked


def _statement_line(item: _Field, details: _Field | None, currency: str) -> Entry:
    first, *rest = item.lines
    match = _STATEMENT_LINE.match(first.strip())
    if not match:
        raise MalformedStatement(
            f"line {item.line}",
            ":61: must be YYMMDD[MMDD], C/D/RC/RD, amount, type code, reference",
        )
    value_date = _date(match["value_date"], item.line)
    bank_ref = (match["bank_ref"] or "").strip()
    # ING wraps mid-reference: "//00000000001" then "005" on the next line.
    if bank_ref and rest and rest[0].strip().isalnum() and len(bank_ref + rest[0].strip()) <= 16:
        bank_ref += rest.pop(0).strip()
    supplementary = "".join(rest).strip()
    mark = match["mark"]
    # The party of the original booking: the payer of a credit and of a reversed credit.
    parsed = parse_details(details.value if details else "", credit=mark in ("C", "RC"))
    payer_iban = parsed.payer_iban or iban_shape(supplementary.split("/")[0] or None)
    swift_code = match["type"] + match["code"]
    is_return = parsed.return_ or match["code"] == "RTI"
    return Entry(
        entry_reference="" if bank_ref.upper() in ("", "NONREF") else bank_ref,
        # Without an entry date (Rabobank, Volksbank) the entry is booked on its value date.
        booking_date=_entry_date(value_date, match["entry_date"], item.line) or value_date,
        value_date=value_date,
        amount=_amount(match["amount"], item.line),
        currency=currency,
        # RC reverses a credit: money leaves the account. RD reverses a debit.
        credit=mark in ("C", "RD"),
        reversal=mark in ("RC", "RD") or parsed.reversal,
        return_=is_return,
        end_to_end_id=parsed.end_to_end_id,
        structured_reference=parsed.structured_reference,
        structured_references=(
            (parsed.structured_reference,) if parsed.structured_reference else ()
        ),
        remittance_text=parsed.remittance_text,
        payer_name=parsed.payer_name,
        payer_iban=payer_iban,
        bank_transaction_code=f"{swift_code}/{parsed.gvc}" if parsed.gvc else swift_code,
        raw_position=f"line {item.line}",
    )


def _blocks(fields: list[_Field]) -> list[list[_Field]]:
    blocks: list[list[_Field]] = []
    for item in fields:
        if item.tag == "20" or not blocks:
            blocks.append([])
        blocks[-1].append(item)
    return blocks


def _statement(block: list[_Field]) -> Statement:
    by_tag: dict[str, _Field] = {}
    for item in block:
        by_tag.setdefault(item.tag[:2], item)
    for required in ("20", "25", "60", "62"):
        if required not in by_tag:
            raise MalformedStatement(
                f"line {block[0].line}", f"the statement has no :{required}: field"
            )
    opening, currency, _ = _balance(by_tag["60"])
    closing_field = [item for item in block if item.tag.startswith("62")][-1]
    closing, closing_currency, _ = _balance(closing_field)
    if closing_currency != currency:
        raise MalformedStatement(
            f"line {closing_field.line}", f"closing balance in {closing_currency}, not {currency}"
        )
    iban, other_id, _ = split_account(by_tag["25"].value)
    entries = []
    for index, item in enumerate(block):
        if item.tag != "61":
            continue
        following = block[index + 1] if index + 1 < len(block) else None
        details = following if following is not None and following.tag == "86" else None
        entries.append(_statement_line(item, details, currency))
    number = by_tag["28"].value.strip() if "28" in by_tag else None
    return Statement(
        account_iban=iban,
        account_other_id=other_id,
        currency=currency,
        statement_id=f"{by_tag['20'].value.strip()}/{number}" if number else by_tag["20"].value,
        opening_balance=opening,
        closing_balance=closing,
        entries=entries,
    )


def parse_mt940(text: str) -> ParsedFile:
    fields = _fields(text)
    if not fields or fields[0].tag != "20":
        line = fields[0].line if fields else 1
        raise MalformedStatement(f"line {line}", "an MT940 statement starts with :20:")
    statements = [_statement(block) for block in _blocks(fields)]
    return ParsedFile(format="mt940", version="MT940", statements=statements)
