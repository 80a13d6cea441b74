"""Every public bank sample in ../shared/bankfiles (outside the repository) must parse.

Those files are not copied here (their licences differ): the test reads them where they are
and is skipped where they are not.
"""

from decimal import Decimal
from pathlib import Path

import pytest

from invoicing.bankfiles import Entry, parse_statement

ROOT = Path(__file__).resolve().parents[4]
SAMPLES = next(
    (
        candidate
        for candidate in (ROOT.parent / "shared" / "bankfiles", Path("/work/shared/bankfiles"))
        if candidate.is_dir()
    ),
    None,
)
FOLDERS = {"camt053": "camt.053", "camt054": "camt.054", "mt940": "mt940"}
#: What SOURCES.md says of each sample; a parser that loses entries or balances fails here.
EXPECTED_ENTRIES = {
    "ch-postfinance.txt": 4,
    "de-deutschebank-sdd-return.txt": 1,
    "de-sepa-betterplace.sta": 97,
    "de-volksbank-raiffeisen.txt": 12,
    "ing-nl-structured.940": 8,
    "rabobank-nl-structured.txt": 9,
    "iso20022-business-example.camt053v04.xml": 3,
    "wise.camt053v10.xml": 1,
    "stuzza-at.camt053v02.xml": 3,
    "postfinance-return.camt054v04.xml": 1,
}
DO_NOT_RECONCILE = {
    "ubs-sps2.camt053v08.xml",
    "de-deutschebank-sdd-return.txt",
    "ch-postfinance.txt",
}


def _samples() -> list[Path]:
    if SAMPLES is None:
        return []
    return sorted(p for folder in FOLDERS for p in (SAMPLES / folder).glob("*") if p.is_file())


@pytest.mark.skipif(SAMPLES is None, reason="../shared/bankfiles is not beside the repository")
@pytest.mark.parametrize("path", _samples(), ids=lambda p: p.name)
def test_public_sample_parses(path: Path) -> None:
    parsed = parse_statement(path.read_bytes())

    assert parsed.format == FOLDERS[path.parent.name]
    assert parsed.statements
    entries = [e for s in parsed.statements for e in s.entries]
    assert entries
    if path.name in EXPECTED_ENTRIES:
        assert len(entries) == EXPECTED_ENTRIES[path.name]
    for entry in entries:
        assert entry.amount > Decimal(0)
        assert entry.currency and len(entry.currency) == 3
        assert entry.entry_reference
        assert entry.booking_date or entry.value_date
    for statement in parsed.statements:
        assert statement.account_iban or statement.account_other_id
        keys = [e.entry_reference for e in statement.entries]
        assert len(keys) == len(set(keys)), "the dedupe key must be unique in a statement"
    warned = any(s.balance_warning for s in parsed.statements)
    assert warned == (path.name in DO_NOT_RECONCILE)


@pytest.mark.skipif(SAMPLES is None, reason="../shared/bankfiles is not beside the repository")
def test_public_samples_show_the_quirks() -> None:
    assert SAMPLES is not None

    def entries(folder: str, name: str) -> list[Entry]:
        parsed = parse_statement((SAMPLES / folder / name).read_bytes())
        return [e for s in parsed.statements for e in s.entries]

    postfinance = entries("camt053", "postfinance-2016.camt053v04.xml")
    assert sum(e.reversal for e in postfinance) == 2
    assert any(e.return_ for e in postfinance)
    ubs = entries("camt053", "ubs-sps2.camt053v08.xml")
    assert "RF38000000000000000000552" in {e.structured_reference for e in ubs}
    fffs054 = entries("camt054", "fi-fffs-sample.camt054v02.xml")  # CR-only line endings
    # An invoice's RF reference and the credit note deducted from it, in one transaction.
    assert ("RF7812345", "RF0812344") in {e.structured_references for e in fffs054}
    betterplace = entries("mt940", "de-sepa-betterplace.sta")
    reversals = [e for e in betterplace if e.reversal and not e.credit]
    assert len(reversals) == 2 and Decimal("204.88") in {e.amount for e in reversals}
    volksbank = entries("mt940", "de-volksbank-raiffeisen.txt")
    assert all(e.payer_iban for e in volksbank)
    assert any("DE10500105174381957749" in (e.remittance_text or "") for e in volksbank)
    ing = entries("mt940", "ing-nl-structured.940")
    assert sum(e.return_ for e in ing) == 2
