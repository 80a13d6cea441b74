"""ISO 20022 camt.053 (statement) and camt.054 (debit/credit notification), every version.

Elements are found by local name, so camt.053.001.02 to .10 and national variants such as the
Austrian Stuzza namespace read the same way. The XML parser resolves no entities, loads no DTD
and opens no network connection; a file with a DOCTYPE is refused (no bank sends one).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from invoicing.bankfiles.amounts import too_large
from invoicing.bankfiles.models import (
    Entry,
    MalformedStatement,
    ParsedFile,
    Statement,
    StatementFormat,
)
from invoicing.bankfiles.references import iban_shape

_NAMESPACE_VERSION = re.compile(r"camt\.(05[34])\.001\.(\d{2})")
_ROOTS: dict[str, tuple[StatementFormat, str]] = {
    "BkToCstmrStmt": ("camt.053", "Stmt"),
    "BkToCstmrDbtCdtNtfctn": ("camt.054", "Ntfctn"),
}
_NOT_BOOKED = {"PDNG", "INFO", "FUTR"}
_RETURN_SUBFAMILIES = {"RRTN", "ARET", "RPCR"}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def looks_like_camt(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<")


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in element if _local(child) == name]


def _find(element: etree._Element | None, path: str) -> etree._Element | None:
    """The first element at a slash-separated path of local names."""
    for name in path.split("/"):
        if element is None:
            return None
        found = _children(element, name)
        element = found[0] if found else None
    return element


def _text(element: etree._Element | None, path: str) -> str | None:
    found = _find(element, path)
    if found is None or found.text is None:
        return None
    return found.text.strip() or None


def _position(element: etree._Element) -> str:
    """/Document/BkToCstmrStmt/Stmt[1]/Ntry[3] (line 120): where a person finds it."""
    parts = []
    node: etree._Element | None = element
    while node is not None:
        parent = node.getparent()
        name = _local(node)
        if parent is not None and len(_children(parent, name)) > 1:
            name += f"[{_children(parent, name).index(node) + 1}]"
        parts.append(name)
        node = parent
    return "/" + "/".join(reversed(parts)) + f" (line {element.sourceline})"


@dataclass(frozen=True, slots=True)
class _Money:
    amount: Decimal
    currency: str


def _money(element: etree._Element, path: str, *, required: bool) -> _Money | None:
    found = _find(element, path)
    if found is None:
        if required:
            raise MalformedStatement(_position(element), f"{path} is missing")
        return None
    currency = (found.get("Ccy") or "").strip()
    try:
        amount = Decimal((found.text or "").strip())
    except InvalidOperation:
        raise MalformedStatement(_position(found), f"{found.text!r} is not an amount") from None
    if not amount.is_finite() or amount < 0 or not re.fullmatch(r"[A-Z]{3}", currency):
        raise MalformedStatement(
            _position(found), "an amount must be a non-negative decimal with a Ccy attribute"
        )
    if too_large(amount):
        raise MalformedStatement(_position(found), f"{found.text!r} is too large an amount")
    return _Money(amount, currency)


def _credit(element: etree._Element, *, required: bool) -> bool | None:
    indicator = _text(element, "CdtDbtInd")
    if indicator is None:
        if required:
            raise MalformedStatement(_position(element), "CdtDbtInd is missing")
        return None
    if indicator not in ("CRDT", "DBIT"):
        raise MalformedStatement(_position(element), "CdtDbtInd must be CRDT or DBIT")
    return indicator == "CRDT"


def _date(element: etree._Element | None) -> date | None:
    """Dt or DtTm (Wise writes nine fractional digits, which fromisoformat may refuse)."""
    if element is None:
        return None
    value = _text(element, "Dt") or _text(element, "DtTm")
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise MalformedStatement(_position(element), f"{value!r} is not a date") from None


def _bank_transaction_code(element: etree._Element | None) -> str | None:
    if element is None:
        return None
    codes = [
        _text(element, "Domn/Cd"),
        _text(element, "Domn/Fmly/Cd"),
        _text(element, "Domn/Fmly/SubFmlyCd"),
    ]
    if all(codes):
        return "/".join(c for c in codes if c)
    return _text(element, "Prtry/Cd")


def _balances(statement: etree._Element) -> tuple[Decimal | None, Decimal | None, str | None]:
    """Opening (OPBD, else PRCD: the previous closing) and closing (CLBD) booked balances."""
    found: dict[str, _Money] = {}
    for balance in _children(statement, "Bal"):
        code = _text(balance, "Tp/CdOrPrtry/Cd") or _text(balance, "Tp/CdOrPrtry/Prtry")
        money = _money(balance, "Amt", required=True)
        assert money is not None
        sign = 1 if _credit(balance, required=True) else -1
        if code:
            found.setdefault(code, _Money(sign * money.amount, money.currency))
    opening = found.get("OPBD") or found.get("PRCD")
    closing = found.get("CLBD")
    either = closing or opening
    currency = either.currency if either else None
    return (
        opening.amount if opening else None,
        closing.amount if closing else None,
        currency,
    )


def _party(transaction: etree._Element, role: str) -> tuple[str | None, str | None]:
    """Name and IBAN of Dbtr or Cdtr (v02-v07 RltdPties/Dbtr/Nm, v08+ RltdPties/Dbtr/Pty/Nm)."""
    parties = _find(transaction, "RltdPties")
    name = (
        _text(parties, f"{role}/Nm")
        or _text(parties, f"{role}/Pty/Nm")
        or _text(parties, f"Ultmt{role}/Nm")
        or _text(parties, f"Ultmt{role}/Pty/Nm")
    )
    account = _text(parties, f"{role}Acct/Id/IBAN") or _text(parties, f"{role}Acct/Id/Othr/Id")
    return name, iban_shape(account)


def _remittance(transaction: etree._Element | None) -> tuple[tuple[str, ...], str | None]:
    """(creditor references, free text): every Strd/CdtrRefInf/Ref and the Ustrd lines."""
    info = _find(transaction, "RmtInf")
    if info is None:
        return (), None
    references = tuple(
        reference
        for structured in _children(info, "Strd")
        if (reference := _text(structured, "CdtrRefInf/Ref"))
    )
    unstructured = [u.text.strip() for u in _children(info, "Ustrd") if u.text and u.text.strip()]
    return references, " ".join(unstructured) or None


def _transaction_amount(transaction: etree._Element, currency: str) -> Decimal | None:
    for path in ("Amt", "AmtDtls/TxAmt/Amt"):
        money = _money(transaction, path, required=False)
        if money is not None and money.currency == currency:
            return money.amount
    return None


@dataclass(frozen=True, slots=True)
class _EntryFacts:
    """What every transaction of one Ntry shares."""

    booking_date: date | None
    value_date: date | None
    currency: str
    reversal: bool
    booked: bool


def _entries(entry: etree._Element) -> list[Entry]:
    """One Entry per transaction of a batch when each carries its amount, else one for Ntry."""
    money = _money(entry, "Amt", required=True)
    credit = _credit(entry, required=True)
    assert money is not None and credit is not None
    status = _text(entry, "Sts/Cd") or _text(entry, "Sts")
    # Only the servicer's reference identifies a booking across statements. NtryRef is unique
    # within one statement at most, and banks reuse it (a QR-IBAN, "Test Buchung"): keyed on it,
    # tomorrow's new credit would look like today's and be dropped. Without AcctSvcrRef the
    # key is derived from the entry's content (references.with_derived_references).
    reference = _text(entry, "AcctSvcrRef") or ""
    code = _bank_transaction_code(_find(entry, "BkTxCd"))
    facts = _EntryFacts(
        booking_date=_date(_find(entry, "BookgDt")),
        value_date=_date(_find(entry, "ValDt")),
        currency=money.currency,
        reversal=(_text(entry, "RvslInd") or "").lower() in ("true", "1"),
        booked=status not in _NOT_BOOKED,
    )
    transactions = [
        tx for details in _children(entry, "NtryDtls") for tx in _children(details, "TxDtls")
    ]
    amounts = [_transaction_amount(tx, money.currency) for tx in transactions]
    signed = []
    for transaction, amount in zip(transactions, amounts, strict=True):
        tx_credit = _credit(transaction, required=False)
        if amount is not None:
            signed.append(amount if (credit if tx_credit is None else tx_credit) else -amount)
    split = (
        len(transactions) > 1
        and None not in amounts
        and sum(signed) == (money.amount if credit else -money.amount)
    )
    if not split:
        # One entry: details from the only (or first) transaction, the entry's own amount.
        first = transactions[0] if transactions else None
        if not reference and len(transactions) == 1:
            reference = _text(first, "Refs/AcctSvcrRef") or ""
        text = None
        if first is not None:
            texts = [_remittance(tx)[1] for tx in transactions]
            text = " ".join(t for t in texts if t) or None
        return [
            _entry_from(
                first,
                facts,
                amount=money.amount,
                credit=credit,
                reference=reference,
                code=code,
                position=_position(entry),
                remittance_text=text or _text(entry, "AddtlNtryInf"),
            )
        ]
    result = []
    for index, (transaction, amount) in enumerate(zip(transactions, amounts, strict=True), 1):
        assert amount is not None
        tx_credit = _credit(transaction, required=False)
        tx_reference = _text(transaction, "Refs/AcctSvcrRef")
        result.append(
            _entry_from(
                transaction,
                facts,
                amount=amount,
                credit=credit if tx_credit is None else tx_credit,
                reference=tx_reference or (f"{reference}/{index}" if reference else ""),
                code=_bank_transaction_code(_find(transaction, "BkTxCd")) or code,
                position=_position(transaction),
                remittance_text=None,
            )
        )
    return result


def _entry_from(
    transaction: etree._Element | None,
    facts: _EntryFacts,
    *,
    amount: Decimal,
    credit: bool,
    reference: str,
    code: str | None,
    position: str,
    remittance_text: str | None,
) -> Entry:
    name = iban = end_to_end = text = None
    references: tuple[str, ...] = ()
    is_return = False
    if transaction is not None:
        # The other party: who paid us on a credit (or on the credit a reversal takes back),
        # whom we paid on a debit; a returned payment of ours names its creditor instead.
        expected, other = ("Dbtr", "Cdtr") if credit != facts.reversal else ("Cdtr", "Dbtr")
        name, iban = _party(transaction, expected)
        if name is None and iban is None:
            name, iban = _party(transaction, other)
        end_to_end = _text(transaction, "Refs/EndToEndId")
        if end_to_end == "NOTPROVIDED":
            end_to_end = None
        references, text = _remittance(transaction)
        is_return = _find(transaction, "RtrInf") is not None
    is_return = is_return or (code or "").rsplit("/", 1)[-1] in _RETURN_SUBFAMILIES
    return Entry(
        entry_reference=reference,
        booking_date=facts.booking_date,
        value_date=facts.value_date,
        amount=amount,
        currency=facts.currency,
        credit=credit,
        reversal=facts.reversal,
        return_=is_return,
        end_to_end_id=end_to_end,
        structured_reference=references[0] if references else None,
        structured_references=references,
        remittance_text=text or remittance_text,
        payer_name=name,
        payer_iban=iban,
        bank_transaction_code=code,
        raw_position=position,
        booked=facts.booked,
    )


def _lf_line_ends(data: bytes) -> bytes:
    """CR-only files (old Mac style) as LF, so that libxml2 counts their lines.

    XML treats a lone CR as a line end anyway; skipped for UTF-16, where bytes are not chars."""
    if b"\n" in data or b"\r" not in data or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data
    return data.replace(b"\r", b"\n")


def parse_camt(data: bytes) -> ParsedFile:
    data = _lf_line_ends(data)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else 1
        raise MalformedStatement(f"line {line}", f"not well-formed XML: {error.msg}") from None
    tree = root.getroottree()
    # libxml2 keeps a DOCTYPE, with or without an internal subset, as internalDTD.
    if tree.docinfo.internalDTD is not None:
        raise MalformedStatement("line 1", "a DOCTYPE is not accepted in a bank statement")
    message = next((child for child in root if _local(child) in _ROOTS), None)
    if message is None:
        raise MalformedStatement(
            _position(root), "not a camt.053 or camt.054 document (no BkToCstmrStmt/Ntfctn)"
        )
    file_format, statement_name = _ROOTS[_local(message)]
    namespace = etree.QName(root).namespace or ""
    match = _NAMESPACE_VERSION.search(namespace)
    version = f"001.{match.group(2)}" if match else "unknown"
    warnings = []
    if match and f"camt.{match.group(1)}" != file_format:
        warnings.append(f"namespace {namespace} does not match the {file_format} content")
    if not match:
        warnings.append(f"namespace {namespace!r} names no camt version; read by element names")
    statements = []
    for statement in _children(message, statement_name):
        account = _find(statement, "Acct")
        if account is None:
            raise MalformedStatement(_position(statement), "Acct is missing")
        iban = _text(account, "Id/IBAN")
        opening, closing, balance_currency = _balances(statement)
        entries = []
        for entry in _children(statement, "Ntry"):
            entries.extend(_entries(entry))
        statements.append(
            Statement(
                account_iban=iban,
                account_other_id=None if iban else _text(account, "Id/Othr/Id"),
                currency=_text(account, "Ccy") or balance_currency,
                statement_id=_text(statement, "Id"),
                opening_balance=opening,
                closing_balance=closing,
                entries=entries,
            )
        )
    if not statements:
        raise MalformedStatement(_position(message), f"no {statement_name} element")
    return ParsedFile(format=file_format, version=version, statements=statements, warnings=warnings)
