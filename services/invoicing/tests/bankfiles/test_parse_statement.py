"""Format detection and what every format shares."""

from pathlib import Path

import pytest

from invoicing.bankfiles import MalformedStatement, parse_statement

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("camt053-v02-northwind.xml", "camt.053"),
        ("camt054-v06-northwind.xml", "camt.054"),
        ("mt940-de-reversal-split-iban.sta", "mt940"),
        ("mt940-nl-overlap-day1.sta", "mt940"),
    ],
)
def test_format_comes_from_the_content_not_the_name(name: str, expected: str) -> None:
    data = (FIXTURES / name).read_bytes()

    assert parse_statement(data, filename="statement.txt").format == expected
    assert parse_statement(b"\xef\xbb\xbf" + data, filename="x.xml").format == expected


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   \n",
        b"Date;Amount;Payee\n2026-03-02;12.50;ACME\n",
        b'{"entries": []}',
        b":20:REF\n:25:123\n:62F:C260302EUR1,00\n",
    ],
)
def test_what_is_no_statement_is_refused(data: bytes) -> None:
    with pytest.raises(MalformedStatement) as raised:
        parse_statement(data, filename="upload.csv")

    assert raised.value.location == "line 1"


def test_xml_that_is_no_camt_is_refused_naming_the_root() -> None:
    data = (
        b'<?xml version="1.0"?>\n'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03">'
        b"<CstmrCdtTrfInitn/></Document>"
    )

    with pytest.raises(MalformedStatement) as raised:
        parse_statement(data)

    assert raised.value.location == "/Document (line 2)"
    assert "camt.053 or camt.054" in raised.value.message


def test_amounts_are_positive_and_direction_is_separate() -> None:
    for path in sorted(FIXTURES.iterdir()):
        if "malformed" in path.name:
            continue
        for statement in parse_statement(path.read_bytes()).statements:
            for entry in statement.entries:
                assert entry.amount > 0, (path.name, entry.raw_position)
