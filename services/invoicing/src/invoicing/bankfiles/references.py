"""Identifiers found in statements: IBANs, creditor references, derived entry references."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import replace

from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

from invoicing.bankfiles.models import Entry

_IBAN_CANDIDATE = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{10,30}")
_RF_IN_TEXT = re.compile(r"\bRF[0-9]{2}[0-9A-Z]{1,21}\b")


def iban_shape(value: str | None) -> str | None:
    """The IBAN in `value` when it has an IBAN's country, length and structure.

    The mod-97 check digits are not required: banks' samples and anonymised exports carry
    placeholder IBANs, and an account is still identified by what the bank printed.
    """
    if not value:
        return None
    compact = stdnum_iban.compact(value)
    if not _IBAN_CANDIDATE.fullmatch(compact):
        return None
    repaired = compact[:2] + stdnum_iban.calc_check_digits(compact) + compact[4:]
    try:
        stdnum_iban.validate(repaired)
    except ValidationError:
        return None
    return compact


def split_account(value: str) -> tuple[str | None, str | None, str | None]:
    """An account field (MT940 :25:) as (iban, other id, currency suffix).

    ING writes the currency after the IBAN (NL77INGB0574908765EUR), some banks BIC/IBAN;
    German banks write BLZ/account number, which is no IBAN.
    """
    value = value.strip()
    if iban := iban_shape(value):
        return iban, None, None
    if len(value) > 3 and value[-3:].isalpha() and (iban := iban_shape(value[:-3])):
        return iban, None, value[-3:]
    # Some banks write BIC/IBAN.
    if "/" in value and (iban := iban_shape(value.rsplit("/", 1)[1])):
        return iban, None, None
    return None, value or None, None


def rf_reference_in(text: str | None) -> str | None:
    """An ISO 11649 creditor reference (RF..) written in free text, check digits unchecked:
    a reference that fails its check simply matches no invoice later."""
    if not text:
        return None
    match = _RF_IN_TEXT.search(text.upper())
    return match.group(0) if match else None


def with_derived_references(entries: Iterable[Entry]) -> list[Entry]:
    """Give entries that have no bank reference one derived from their content, and
    tell apart entries of one statement that share a bank reference (suffix #2, #3...).

    The same entry in two overlapping statements gets the same reference; two identical
    entries in one file (same day, amount, payer and text) are told apart by their order.
    """
    seen: Counter[str] = Counter()
    result = []
    for entry in entries:
        if entry.entry_reference:
            # FFFS batches repeat one AcctSvcrRef on every transaction: keep them apart.
            seen[entry.entry_reference] += 1
            count = seen[entry.entry_reference]
            result.append(
                entry
                if count == 1
                else replace(entry, entry_reference=f"{entry.entry_reference}#{count}")
            )
            continue
        content = "|".join(
            str(part)
            for part in (
                entry.booking_date,
                entry.value_date,
                entry.amount,
                entry.currency,
                entry.credit,
                entry.reversal,
                entry.end_to_end_id,
                entry.structured_reference,
                entry.remittance_text,
                entry.payer_name,
                entry.payer_iban,
                entry.bank_transaction_code,
            )
        )
        digest = hashlib.sha256(content.encode()).hexdigest()[:24]
        seen[digest] += 1
        result.append(replace(entry, entry_reference=f"content:{digest}:{seen[digest]}"))
    return result
