"""ISO 11649 structured creditor references ("RF" + check digits + reference) for invoices, and
finding references and invoice numbers in a payment's remittance text.

    make_rf("INV-2026-000001")       -> "RF94INV2026000001"
    is_valid_rf("RF18 5390 0754 7034") -> True
    find_references("Payment RF94 INV2 0260 0000 1 inv-2026-000002")
        -> FoundReferences(rf_references=("RF94INV2026000001",),
                           invoice_numbers=("INV-2026-000002",))

The check digits are python-stdnum's ISO 7064 Mod 97-10; validation is stdnum.iso11649.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

#: ISO 11649 allows up to 21 reference characters after "RF" and the two check digits.
MAX_REFERENCE_LENGTH = 21

_RF_CANDIDATE = re.compile(r"RF\d{2}(?:[ ]?[0-9A-Z]{1,4}){1,6}", re.IGNORECASE)
_INVOICE_NUMBER = re.compile(r"\b([A-Z]{1,10})[- ]?(\d{4})[- ]?(\d{6})\b", re.IGNORECASE)


def make_rf(reference: str) -> str:
    """The RF reference of `reference` (e.g. an invoice number): its letters and digits,
    upper-cased, behind "RF" and the check digits."""
    body = re.sub(r"[^0-9A-Z]", "", reference.upper())
    if not 1 <= len(body) <= MAX_REFERENCE_LENGTH:
        raise ValueError(f"{reference!r} makes a reference of {len(body)} characters, not 1-21")
    return f"RF{mod_97_10.calc_check_digits(body + 'RF')}{body}"


def is_valid_rf(reference: str) -> bool:
    """True for a well-formed RF reference with correct check digits (spaces allowed)."""
    return bool(iso11649.is_valid(reference))


def compact_rf(reference: str) -> str:
    """The reference without spaces, upper-cased: the form invoices store."""
    return str(iso11649.compact(reference))


@dataclass(frozen=True)
class FoundReferences:
    rf_references: tuple[str, ...]
    invoice_numbers: tuple[str, ...]


def find_references(text: str) -> FoundReferences:
    """Valid RF references (compact) and invoice numbers ("INV-2026-000001") in free text,
    in order of appearance, without repeats."""
    rf_references: list[str] = []
    for match in _RF_CANDIDATE.finditer(text):
        found = _longest_valid_rf(match.group(0))
        if found is not None and found not in rf_references:
            rf_references.append(found)
    invoice_numbers: list[str] = []
    for match in _INVOICE_NUMBER.finditer(text):
        series, year, sequence = match.groups()
        number = f"{series.upper()}-{year}-{sequence}"
        if series.upper() != "RF" and number not in invoice_numbers:
            invoice_numbers.append(number)
    return FoundReferences(tuple(rf_references), tuple(invoice_numbers))


def _longest_valid_rf(candidate: str) -> str | None:
    # Remittance text runs on after the reference ("RF18 5390 0754 7034 PAID"): the greedy
    # match may carry words behind it, so shorten it group by group until it checks out.
    groups = candidate.split(" ")
    while groups:
        compact = compact_rf("".join(groups))
        if is_valid_rf(compact):
            return compact
        if len(groups) == 1:
            # An unspaced reference followed by more characters: try shorter prefixes.
            for end in range(len(compact) - 1, 4, -1):
                if is_valid_rf(compact[:end]):
                    return compact[:end]
            return None
        groups.pop()
    return None
