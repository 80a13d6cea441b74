"""camt.053 and camt.054 files written for these tests (fixtures/), read end to end."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from invoicing.bankfiles import MalformedStatement, parse_statement

FIXTURES = Path(__file__).parent / "fixtures"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_camt053_v02_statement_with_batch_fees_and_reversal() -> None:
    parsed = parse_statement(read("camt053-v02-northwind.xml"))

    assert (parsed.format, parsed.version, parsed.warnings) == ("camt.053", "001.02", [])
    [statement] = parsed.statements
    assert statement.account_iban == "FI2112345600000785"
    assert statement.currency == "EUR"
    assert statement.statement_id == "STMT-2026-03-02-0785"
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("10000.00"),
        Decimal("11804.10"),
    )
    assert statement.balance_warning is None
    references = [e.entry_reference for e in statement.entries]
    # The batch entry of 800.00 became one entry per payer.
    assert references == [
        "2026030200001",
        "2026030200002-1",
        "2026030200002-2",
        "2026030200003",
        "2026030200004",
    ]
    rf_payment, globex, initech, fees, reversal = statement.entries
    assert rf_payment.credit and rf_payment.amount == Decimal("1250.00")
    assert rf_payment.structured_reference == "RF73INV20260042"
    assert rf_payment.end_to_end_id == "E2E-ACME-0042"
    assert (rf_payment.payer_name, rf_payment.payer_iban) == ("ACME GmbH", "DE89370400440532013000")
    assert rf_payment.bank_transaction_code == "PMNT/RCDT/ESCT"
    assert rf_payment.booking_date == date(2026, 3, 2)
    assert "Stmt/Ntry[1]" in rf_payment.raw_position

    assert (globex.amount, globex.payer_name) == (Decimal("500.00"), "Globex Oy")
    assert globex.remittance_text == "Invoice INV-2026-0051"
    assert globex.end_to_end_id is None  # NOTPROVIDED is no reference
    assert (initech.amount, initech.structured_reference) == (Decimal("300.00"), "RF98INV20260077")
    assert "Ntry[2]/NtryDtls/TxDtls[2]" in initech.raw_position

    assert not fees.credit and fees.remittance_text == "Service fees February 2026"
    assert (reversal.credit, reversal.reversal, reversal.return_) == (False, True, False)
    assert reversal.payer_name == "Umbrella Ltd"  # the payer of the credit taken back
    assert reversal.value_date == date(2026, 2, 24)


def test_camt053_v08_shapes_datetime_booking_and_return() -> None:
    parsed = parse_statement(read("camt053-v08-northwind.xml"))

    assert (parsed.format, parsed.version) == ("camt.053", "001.08")
    [statement] = parsed.statements
    # PRCD (the previous closing balance) stands in for a missing OPBD.
    assert statement.opening_balance == Decimal("9000.00")
    assert statement.balance_warning is None
    _, hooli, returned = statement.entries
    assert hooli.payer_name == "Hooli Europe B.V."  # v08: Dbtr/Pty/Nm
    assert hooli.booking_date == date(2026, 3, 3)  # DtTm with nine fractional digits
    assert hooli.remittance_text == "Invoices INV-2026-0060 and INV-2026-0061"
    assert returned.return_ and returned.credit and not returned.reversal
    assert returned.payer_name == "Vandelay Industries"


def test_the_same_booking_in_two_statements_has_the_same_reference() -> None:
    first = parse_statement(read("camt053-v02-northwind.xml")).statements[0]
    second = parse_statement(read("camt053-v08-northwind.xml")).statements[0]

    assert first.account_iban == second.account_iban
    shared = {e.entry_reference for e in first.entries} & {
        e.entry_reference for e in second.entries
    }
    assert shared == {"2026030200001"}


def test_camt054_notification_splits_batch_and_marks_unbooked_return() -> None:
    parsed = parse_statement(read("camt054-v06-northwind.xml"))

    assert (parsed.format, parsed.version) == ("camt.054", "001.06")
    [notification] = parsed.statements
    assert notification.account_iban == "DE02100100100006820101"
    assert notification.opening_balance is None and notification.balance_warning is None
    soylent, stark, returned = notification.entries
    assert (soylent.amount, soylent.structured_reference) == (
        Decimal("1000.00"),
        "RF24INV20260051",
    )
    assert soylent.structured_references == ("RF24INV20260051",)
    assert soylent.payer_iban == "DE12500105170648489890"
    assert stark.remittance_text == "Rechnung INV-2026-0063 Teilzahlung"
    assert (returned.reversal, returned.return_, returned.booked) == (True, True, False)
    assert all(e.booked for e in (soylent, stark))


def test_a_national_namespace_reads_like_iso() -> None:
    data = read("camt053-v02-northwind.xml").replace(
        b"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02",
        b"ISO:camt.053.001.02:APC:STUZZA:payments:003",
    )
    parsed = parse_statement(data)

    assert (parsed.format, parsed.version) == ("camt.053", "001.02")
    assert len(parsed.statements[0].entries) == 5


def test_an_unknown_namespace_is_read_by_element_names_with_a_warning() -> None:
    data = read("camt054-v06-northwind.xml").replace(
        b"urn:iso:std:iso:20022:tech:xsd:camt.054.001.06", b"urn:example:bank:notification"
    )
    parsed = parse_statement(data)

    assert (parsed.format, parsed.version) == ("camt.054", "unknown")
    assert "names no camt version" in parsed.warnings[0]
    assert len(parsed.statements[0].entries) == 3


def test_a_statement_that_does_not_add_up_parses_with_a_warning() -> None:
    data = read("camt053-v02-northwind.xml").replace(b"11804.10", b"11904.10")
    parsed = parse_statement(data)

    warning = parsed.statements[0].balance_warning
    assert warning is not None and "11904.10" in warning and "11804.10" in warning
    assert parsed.warnings == [f"statement STMT-2026-03-02-0785: {warning}"]
    assert len(parsed.statements[0].entries) == 5


def test_batch_whose_amounts_do_not_add_up_stays_one_entry() -> None:
    data = read("camt053-v02-northwind.xml").replace(
        b'<TxAmt><Amt Ccy="EUR">300.00</Amt>', b'<TxAmt><Amt Ccy="EUR">310.00</Amt>'
    )
    entries = parse_statement(data).statements[0].entries

    batch = [e for e in entries if e.entry_reference == "2026030200002"]
    assert len(batch) == 1 and batch[0].amount == Decimal("800.00")
    assert batch[0].payer_name == "Globex Oy"


def test_unclosed_element_names_the_line() -> None:
    with pytest.raises(MalformedStatement) as raised:
        parse_statement(read("camt053-malformed-unclosed.xml"))

    assert raised.value.location == "line 115"
    assert "BkTxCd" in raised.value.message


@pytest.mark.parametrize(
    ("old", "new", "element", "message"),
    [
        (b'<Amt Ccy="EUR">45.90</Amt>', b"", "Stmt/Ntry[3]", "Amt is missing"),
        (b'<Amt Ccy="EUR">45.90</Amt>', b'<Amt Ccy="EUR">45,90</Amt>', "Ntry[3]/Amt", "amount"),
        (b'<Amt Ccy="EUR">45.90</Amt>', b"<Amt>45.90</Amt>", "Ntry[3]/Amt", "Ccy"),
        (b"<CdtDbtInd>DBIT</CdtDbtInd>", b"<CdtDbtInd>DR</CdtDbtInd>", "Ntry[3]", "CRDT or DBIT"),
        (b"<Dt>2026-02-24</Dt>", b"<Dt>24.02.2026</Dt>", "Ntry[4]/ValDt", "not a date"),
    ],
)
def test_a_wrong_element_is_named(old: bytes, new: bytes, element: str, message: str) -> None:
    data = read("camt053-v02-northwind.xml").replace(old, new, 1)

    with pytest.raises(MalformedStatement) as raised:
        parse_statement(data)

    assert element in raised.value.location
    assert message in raised.value.message


def test_entities_and_doctypes_are_refused() -> None:
    data = read("camt053-v02-northwind.xml").replace(
        b"<Document ",
        b'<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<Document ',
        1,
    )
    data = data.replace(b"Service fees February 2026", b"&xxe;")

    with pytest.raises(MalformedStatement) as raised:
        parse_statement(data)

    assert "DOCTYPE" in raised.value.message


def test_camt054_without_a_direction_names_the_entry() -> None:
    with pytest.raises(MalformedStatement) as raised:
        parse_statement(read("camt054-malformed-no-direction.xml"))

    assert raised.value.location.startswith("/Document/BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry[2]")
    assert raised.value.location.endswith("(line 51)")
    assert "CdtDbtInd" in raised.value.message


def test_cr_only_line_ends_keep_their_line_numbers() -> None:
    lf = read("camt054-v06-northwind.xml")
    cr_only = parse_statement(lf.replace(b"\n", b"\r"))

    assert cr_only == parse_statement(lf)
    assert cr_only.statements[0].entries[0].raw_position.endswith("(line 30)")


def test_a_reused_ntry_ref_without_a_servicer_reference_does_not_merge_two_bookings() -> None:
    # Some banks put the same NtryRef (a QR-IBAN, "Test Buchung") on every entry, day after day.
    today = read("camt053-v08-northwind.xml").replace(
        b"<AcctSvcrRef>2026030300001</AcctSvcrRef>", b""
    )
    tomorrow = today.replace(b"640.50", b"99.00").replace(b"2026-03-03", b"2026-03-04")

    first = {e.entry_reference for e in parse_statement(today).statements[0].entries}
    again = {e.entry_reference for e in parse_statement(today).statements[0].entries}
    second = {e.entry_reference for e in parse_statement(tomorrow).statements[0].entries}

    assert first == again  # the same file twice: the same keys, applied once
    (new_booking,) = second - first
    assert new_booking.startswith("content:")


def test_an_amount_too_large_to_store_is_a_malformed_file_naming_the_element() -> None:
    huge = read("camt053-v08-northwind.xml").replace(
        b'<Amt Ccy="EUR">640.50</Amt>', b'<Amt Ccy="EUR">100000000000000000000.00</Amt>', 1
    )

    with pytest.raises(MalformedStatement) as caught:
        parse_statement(huge)

    assert "Amt" in caught.value.location
    assert "too large" in caught.value.message
