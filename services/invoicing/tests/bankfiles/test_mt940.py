"""MT940 files written for these tests (fixtures/): German DFÜ and Dutch structured :86:."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from invoicing.bankfiles import MalformedStatement, parse_statement

FIXTURES = Path(__file__).parent / "fixtures"


def read(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_german_statement_with_reversal_and_an_iban_split_across_subfields() -> None:
    data = read("mt940-de-reversal-split-iban.sta")
    assert b"\r\n" in data
    parsed = parse_statement(data)

    assert (parsed.format, parsed.warnings) == ("mt940", [])
    [statement] = parsed.statements
    assert (statement.account_iban, statement.account_other_id) == (None, "10010010/6820101")
    assert statement.statement_id == "STARTUMS/00012/001"
    assert (statement.currency, statement.opening_balance, statement.closing_balance) == (
        "EUR",
        Decimal("5000.00"),
        Decimal("5467.50"),
    )
    assert statement.balance_warning is None
    acme, soylent, reversal, fee = statement.entries

    assert acme.entry_reference == "2026030212345678"
    assert (acme.credit, acme.amount, acme.booking_date) == (
        True,
        Decimal("1250.00"),
        date(2026, 3, 2),
    )
    assert acme.end_to_end_id == "E2E-ACME-0042"
    # "Rechnu" + "ng" across ?21/?22 is one word again.
    assert acme.remittance_text == "RF73INV20260042 Rechnung Maerz"
    assert acme.structured_reference == "RF73INV20260042"
    assert (acme.payer_name, acme.payer_iban) == ("ACME GmbH", "DE89370400440532013000")
    assert acme.bank_transaction_code == "NTRF/166"
    assert acme.raw_position == "line 5"

    # No ?31: the IBAN is in the text, split between ?22 and ?23.
    assert soylent.payer_iban == "DE12500105170648489890"
    assert soylent.payer_name == "Soylent Handels GmbH"  # ?32 + ?33
    assert soylent.end_to_end_id is None
    assert soylent.remittance_text == "INV-2026-0051 Restbetrag"

    # RC: the reversal of a credit takes the money back out.
    assert (reversal.credit, reversal.reversal, reversal.return_) == (False, True, True)
    assert reversal.end_to_end_id == "E2E-ACME-0042"

    assert fee.entry_reference.startswith("content:")  # the bank gave no reference
    assert not fee.credit and fee.amount == Decimal("12.50")


@pytest.mark.parametrize("newline", [b"\r", b"\n"])
def test_line_endings_do_not_matter(newline: bytes) -> None:
    crlf = read("mt940-de-reversal-split-iban.sta")
    other = parse_statement(crlf.replace(b"\r\n", newline))

    assert other == parse_statement(crlf)


def test_latin1_text_is_read() -> None:
    data = read("mt940-de-reversal-split-iban.sta").replace(
        b"Rueckbuchung", "Rückbuchung".encode("latin-1")
    )
    entries = parse_statement(data).statements[0].entries

    assert entries[2].remittance_text == "Rückbuchung Gutschrift vom 02.03."


def test_dutch_structured_statement_in_a_swift_envelope() -> None:
    parsed = parse_statement(read("mt940-nl-overlap-day1-2.sta"))

    [statement] = parsed.statements
    # ING writes the currency after the IBAN.
    assert (statement.account_iban, statement.currency) == ("NL20INGB0001234567", "EUR")
    initech, kpn, pied_piper = statement.entries
    assert initech.remittance_text == "INV-2026-0055 termijn 1"  # wrapped mid-value
    assert (initech.payer_name, initech.end_to_end_id) == ("Initech B.V.", None)
    assert (kpn.payer_name, kpn.credit) == ("KPN B.V.", False)
    assert pied_piper.structured_reference == "RF24INV20260051"
    assert pied_piper.payer_iban == "NL91ABNA0417164300"


def test_overlapping_statements_give_the_same_entry_the_same_reference() -> None:
    day1 = parse_statement(read("mt940-nl-overlap-day1.sta")).statements[0]
    day1_2 = parse_statement(read("mt940-nl-overlap-day1-2.sta")).statements[0]

    assert day1.account_iban == day1_2.account_iban
    assert [e.entry_reference for e in day1.entries] == [
        e.entry_reference for e in day1_2.entries[:2]
    ]
    assert day1_2.entries[2].entry_reference not in {e.entry_reference for e in day1.entries}


def test_identical_entries_in_one_statement_get_different_references() -> None:
    text = read("mt940-nl-overlap-day1.sta").decode()
    line61 = ":61:2603020302D18,00NDDTNONREF\n"
    line86 = text.split(line61)[1].split(":62F:")[0]
    doubled = text.replace(line61 + line86, (line61 + line86) * 2).replace(
        "C260302EUR2802,00", "C260302EUR2784,00"
    )
    statement = parse_statement(doubled.encode()).statements[0]

    references = [e.entry_reference for e in statement.entries]
    assert len(references) == 3 and len(set(references)) == 3
    assert statement.balance_warning is None


def test_a_statement_that_does_not_add_up_parses_with_a_warning() -> None:
    data = read("mt940-de-reversal-split-iban.sta").replace(b"EUR5467,50", b"EUR5467,60")
    parsed = parse_statement(data)

    assert parsed.statements[0].balance_warning is not None
    assert len(parsed.warnings) == 1 and "5467.60" in parsed.warnings[0]


def test_a_bad_amount_names_its_line() -> None:
    with pytest.raises(MalformedStatement) as raised:
        parse_statement(read("mt940-malformed-amount.sta"))

    assert raised.value.location == "line 5"
    assert ":61:" in raised.value.message


@pytest.mark.parametrize(
    ("old", "new", "location", "message"),
    [
        (b":60F:C260302EUR5000,00", b":60F:C260302EUR5000.00", "line 4", ":60F:"),
        (b":61:2603020302CR1250", b":61:2602300302CR1250", "line 5", "not a YYMMDD date"),
        (b":25:10010010/6820101\r\n", b"", "line 1", "no :25:"),
        (b":62F:C260303EUR5467,50", b":62F:C260303USD5467,50", "line 17", "USD"),
    ],
)
def test_a_wrong_field_names_its_line(old: bytes, new: bytes, location: str, message: str) -> None:
    data = read("mt940-de-reversal-split-iban.sta").replace(old, new)

    with pytest.raises(MalformedStatement) as raised:
        parse_statement(data)

    assert raised.value.location == location
    assert message in raised.value.message


def test_trailer_blocks_on_their_own_lines_and_bic_before_the_iban() -> None:
    text = read("mt940-nl-overlap-day1.sta").decode()
    text = text.replace(":25:NL20INGB0001234567EUR", ":25:INGBNL2A/NL20INGB0001234567")
    text = text.replace("-}\n", "-}\n{5:{MAC:00000000}{CHK:4F2C9A0B11D3}}\n{S:{COP:P}}\n")
    [statement] = parse_statement(text.encode()).statements

    assert statement.account_iban == "NL20INGB0001234567"
    assert statement.closing_balance == Decimal("2802.00")
    assert len(statement.entries) == 2
