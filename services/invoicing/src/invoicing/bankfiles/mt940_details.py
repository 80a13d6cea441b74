"""The :86: information to account owner, in the three shapes banks write it.

- German DFÜ/GVC (Deutsche Kreditwirtschaft): `166?00UEBERWEISUNG?10931?20SVWZ+...?21...
  ?30BIC?31IBAN?32name?33name`. ?20-?29 and ?60-?63 are the remittance text in 27-character
  pieces, so they are joined without a separator: an IBAN split across ?21/?22 comes out whole.
  SEPA keywords inside it (EREF+, SVWZ+, ...) give the end-to-end id and the purpose text.
- Dutch structured (ING, Rabobank): `/EREF/../CNTP/account/bic/name/city/REMI/USTD//text/`.
- Anything else (PostFinance and most others): free text, kept as the remittance text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from invoicing.bankfiles.references import iban_shape, rf_reference_in

_GVC = re.compile(r"^(?P<gvc>\d{3})\s*(?=\?)")
_SUBFIELD = re.compile(r"\?(\d{2})")
_SEPA_KEYWORD = re.compile(
    r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|OAMT|COAM|BREF|RREF|PURP|IBAN|BIC)\+"
)
_DUTCH_KEYS = (
    "EREF|PREF|CNTP|MARF|CSID|REMI|RTRN|ORDP|BENM|ADDR|ISDT|PURP|ULTC|ULTD|ULTB|EXCH|"
    "CHGS|IREF|BUSP|SUM|OCMT|TRCD"
)
_DUTCH_FIELD = re.compile(rf"/({_DUTCH_KEYS})/")
#: German posting texts (?00) that mark money coming back.
_RETURN_WORDS = ("RETOURE", "RUECKUEBERWEISUNG", "RÜCKÜBERWEISUNG", "RUECKLASTSCHRIFT")
_REVERSAL_WORDS = ("STORNO",)


@dataclass(frozen=True, slots=True)
class Details:
    end_to_end_id: str | None = None
    structured_reference: str | None = None
    remittance_text: str | None = None
    payer_name: str | None = None
    payer_iban: str | None = None
    return_: bool = False
    reversal: bool = False
    gvc: str | None = None


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def parse_details(text: str, *, credit: bool) -> Details:
    if match := _GVC.match(text):
        return _german(match["gvc"], text[match.end() :])
    if _DUTCH_FIELD.match(text.strip()):
        return _dutch(text.strip(), credit=credit)
    remittance = _clean(text)
    return Details(remittance_text=remittance, structured_reference=rf_reference_in(remittance))


def _german(gvc: str, text: str) -> Details:
    parts = _SUBFIELD.split(text)
    subfields: dict[str, str] = {}
    # parts: [before, code, value, code, value, ...]
    for code, value in zip(parts[1::2], parts[2::2], strict=True):
        subfields[code] = subfields.get(code, "") + value
    purpose = "".join(
        subfields.get(f"{n}", "") for n in [*range(20, 30), *range(60, 64)] if f"{n}" in subfields
    )
    keywords = _sepa_keywords(purpose)
    end_to_end = keywords.get("EREF")
    if end_to_end and end_to_end.upper() == "NOTPROVIDED":
        end_to_end = None
    remittance = _clean(keywords.get("SVWZ")) if "SVWZ" in keywords else _clean(purpose)
    posting_text = (subfields.get("00") or "").upper()
    name = _clean(subfields.get("32", "") + subfields.get("33", ""))
    return Details(
        end_to_end_id=_clean(end_to_end),
        structured_reference=rf_reference_in(remittance),
        remittance_text=remittance,
        payer_name=name,
        # ?31 is the payer's account; some banks leave it out and write IBAN+ in the text.
        payer_iban=iban_shape(subfields.get("31")) or iban_shape(keywords.get("IBAN")),
        return_=any(word in posting_text for word in _RETURN_WORDS),
        reversal=any(word in posting_text for word in _REVERSAL_WORDS),
        gvc=gvc,
    )


def _sepa_keywords(purpose: str) -> dict[str, str]:
    """EREF+... SVWZ+... into a dict; text before the first keyword counts as SVWZ."""
    parts = _SEPA_KEYWORD.split(purpose)
    if len(parts) == 1:
        return {}
    found: dict[str, str] = {}
    if parts[0].strip():
        found["SVWZ"] = parts[0]
    for key, value in zip(parts[1::2], parts[2::2], strict=True):
        found.setdefault(key, value.strip())
    return found


def _dutch(text: str, *, credit: bool) -> Details:
    parts = _DUTCH_FIELD.split(text)
    fields: dict[str, str] = {}
    for key, value in zip(parts[1::2], parts[2::2], strict=True):
        fields.setdefault(key, value)
    name = iban = None
    if counterparty := fields.get("CNTP"):
        # account/BIC/name/city
        pieces = counterparty.split("/")
        iban = iban_shape(pieces[0]) if pieces else None
        name = _clean(pieces[2]) if len(pieces) > 2 else None
    party = fields.get("ORDP" if credit else "BENM")
    if party:
        if match := re.search(r"/NAME/([^/]*)", "/" + party.lstrip("/")):
            name = name or _clean(match.group(1))
        if match := re.search(r"/ACCT/([^/]*)", "/" + party.lstrip("/")):
            iban = iban or iban_shape(match.group(1))
    structured = None
    remittance = None
    if remi := fields.get("REMI"):
        if remi.startswith("USTD//"):
            remittance = _clean(remi[len("USTD//") :].rstrip("/"))
        elif remi.startswith("STRD/"):
            # STRD/CUR/<reference>: ISO (RF..) or the Dutch "betalingskenmerk".
            structured = _clean(remi.split("/")[2] if remi.count("/") >= 2 else None)
            remittance = structured
        else:
            remittance = _clean(remi.rstrip("/"))
    end_to_end = _clean(fields.get("EREF", "").strip("/")) or None
    if end_to_end and end_to_end.upper() == "NOTPROVIDED":
        end_to_end = None
    return Details(
        end_to_end_id=end_to_end,
        structured_reference=structured or rf_reference_in(remittance),
        remittance_text=remittance,
        payer_name=name,
        payer_iban=iban,
        return_="RTRN" in fields,
    )
