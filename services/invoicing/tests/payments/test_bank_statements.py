"""POST /v1/bank-statements: camt.053 and MT940 files written for these tests (with our own
invoices' RF references), each credit a payment once, reversals taking payments back."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from invoicing.payments.models import Payment
from invoicing.payments.testing import event_payloads, issue_for
from invoicing.testing import count, create_known_customer, error_fields, stored_invoice

OUR_IBAN = "LV80BANK0000435195001"
XML = {"content-type": "application/xml"}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {
        "customer_event_wait_seconds": 0.3,
        "bank_accounts": f"{OUR_IBAN}, EE382200221020145685",
    }


def camt_entry(
    reference: str,
    amount: str,
    *,
    rf: str | None = None,
    text: str | None = None,
    debit: bool = False,
    reversal: bool = False,
    e2e: str = "NOTPROVIDED",
    payer: str = "SIA Koks",
    payer_iban: str = "LV97HABA0012345678910",
) -> str:
    direction = "DBIT" if debit else "CRDT"
    remittance = ""
    if rf:
        remittance = (
            "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
            f"<Ref>{rf}</Ref></CdtrRefInf></Strd>"
        )
    if text:
        remittance += f"<Ustrd>{text}</Ustrd>"
    return f"""
      <Ntry>
        <Amt Ccy="EUR">{amount}</Amt>
        <CdtDbtInd>{direction}</CdtDbtInd>
        {"<RvslInd>true</RvslInd>" if reversal else ""}
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-03-02</Dt></BookgDt>
        <ValDt><Dt>2026-03-02</Dt></ValDt>
        <AcctSvcrRef>{reference}</AcctSvcrRef>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>{e2e}</EndToEndId></Refs>
          <RltdPties>
            <Dbtr><Pty><Nm>{payer}</Nm></Pty></Dbtr>
            <DbtrAcct><Id><IBAN>{payer_iban}</IBAN></Id></DbtrAcct>
          </RltdPties>
          <RmtInf>{remittance}</RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"""


def camt053(entries: list[str], *, opening: str, closing: str, account: str = OUR_IBAN) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-03-02T20:00:00+02:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>STMT-1</Id>
      <CreDtTm>2026-03-02T20:00:00+02:00</CreDtTm>
      <Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{opening}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">{closing}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-02</Dt></Dt></Bal>
      {"".join(entries)}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()


def mt940(lines: list[str], *, opening: str, closing: str) -> bytes:
    body = [
        ":20:STMT-MT-1",
        f":25:{OUR_IBAN}",
        ":28C:00001/001",
        f":60F:C260302EUR{opening}",
        *lines,
        f":62F:C260303EUR{closing}",
        "-",
    ]
    return "\r\n".join(body).encode()


async def two_invoices(client: httpx.AsyncClient, session: AsyncSession) -> tuple[Any, Any]:
    customer_id = await create_known_customer(session)
    first = await issue_for(client, customer_id, "100.00")
    second = await issue_for(client, customer_id, "250.00")
    return first, second


async def test_each_credit_becomes_a_payment_applied_to_the_invoice_it_names(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first, second = await two_invoices(client, session)
    statement = camt053(
        [
            camt_entry("E-1", "100.00", rf=first["rf_reference"], e2e="E2E-1"),
            camt_entry("E-2", "250.00", text=f"Invoice {second['number']} paid"),
            camt_entry("E-3", "4.50", debit=True, text="Bank charges"),
        ],
        opening="1000.00",
        closing="1345.50",
    )

    response = await client.post("/v1/bank-statements", content=statement, headers=XML)

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["format"], body["version"], body["warnings"]) == ("camt.053", "001.08", [])
    [result] = body["statements"]
    assert (result["account"], result["payments_created"], result["other_debits"]) == (
        OUR_IBAN,
        2,
        1,
    )
    assert (await stored_invoice(session, first["id"])).state == "paid"
    assert (await stored_invoice(session, second["id"])).state == "paid"
    received = await event_payloads(session, "PaymentReceived")
    assert {(e["source"], e["amount"], e["payer_name"]) for e in received} == {
        ("bank_statement", "100.00", "SIA Koks"),
        ("bank_statement", "250.00", "SIA Koks"),
    }


async def test_a_file_uploaded_twice_or_an_overlapping_statement_applies_each_entry_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first, second = await two_invoices(client, session)
    day_one = camt053(
        [camt_entry("E-1", "60.00", rf=first["rf_reference"])], opening="0", closing="60.00"
    )
    overlapping = camt053(
        [
            camt_entry("E-1", "60.00", rf=first["rf_reference"]),
            camt_entry("E-2", "70.00", rf=second["rf_reference"]),
        ],
        opening="0",
        closing="130.00",
    )

    await client.post("/v1/bank-statements", content=day_one, headers=XML)
    again = await client.post("/v1/bank-statements", content=day_one, headers=XML)
    overlap = await client.post("/v1/bank-statements", content=overlapping, headers=XML)

    assert again.json()["statements"][0]["duplicates"] == 1
    assert again.json()["statements"][0]["payments_created"] == 0
    assert (
        overlap.json()["statements"][0]["payments_created"],
        overlap.json()["statements"][0]["duplicates"],
    ) == (1, 1)
    assert await count(session, Payment) == 2
    assert (await stored_invoice(session, first["id"])).open_amount == Decimal("40.00")
    assert (await stored_invoice(session, second["id"])).open_amount == Decimal("180.00")
    assert len(await event_payloads(session, "PaymentApplied")) == 2


async def test_a_reversal_entry_reverses_the_payment_it_names_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first, _ = await two_invoices(client, session)
    paid = camt053(
        [camt_entry("E-1", "100.00", rf=first["rf_reference"], e2e="E2E-KOKS-7")],
        opening="0",
        closing="100.00",
    )
    reversal = camt053(
        [camt_entry("E-9", "100.00", debit=True, reversal=True, e2e="E2E-KOKS-7")],
        opening="100.00",
        closing="0",
    )
    await client.post("/v1/bank-statements", content=paid, headers=XML)
    assert (await stored_invoice(session, first["id"])).state == "paid"

    response = await client.post("/v1/bank-statements", content=reversal, headers=XML)
    again = await client.post("/v1/bank-statements", content=reversal, headers=XML)

    assert response.json()["statements"][0]["reversals_applied"] == 1
    assert again.json()["statements"][0]["reversals_repeated"] == 1
    stored = await stored_invoice(session, first["id"])
    assert (stored.open_amount, stored.state) == (Decimal("100.00"), "issued")
    [reversed_event] = await event_payloads(session, "PaymentReversed")
    assert (reversed_event["invoice_id"], reversed_event["amount"]) == (first["id"], "100.00")


async def test_a_reversal_naming_no_known_payment_is_reported(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    reversal = camt053(
        [camt_entry("E-9", "10.00", debit=True, reversal=True, e2e="E2E-UNKNOWN")],
        opening="10.00",
        closing="0",
    )

    response = await client.post("/v1/bank-statements", content=reversal, headers=XML)

    [note] = response.json()["statements"][0]["notes"]
    assert "names no payment" in note


async def test_mt940_as_text_with_an_rc_reversal(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first, second = await two_invoices(client, session)
    statement = mt940(
        [
            ":61:2603020302C100,00NTRFNONREF//B-0001",
            f":86:166?00GUTSCHRIFT?20EREF+E2E-MT-1?21SVWZ+{first['rf_reference']}"
            "?31LV97HABA0012345678910?32SIA Koks",
            ":61:2603020302C250,00NTRFNONREF//B-0002",
            f":86:166?00GUTSCHRIFT?20EREF+E2E-MT-2?21SVWZ+{second['number']}?32SIA Koks",
            ":61:2603030303RC100,00NRTINONREF//B-0003",
            ":86:159?00RETOURE?20EREF+E2E-MT-1?21SVWZ+Rueckbuchung?32SIA Koks",
        ],
        opening="0,00",
        closing="250,00",
    )

    response = await client.post(
        "/v1/bank-statements", content=statement, headers={"content-type": "text/plain"}
    )

    assert response.status_code == 201, response.text
    [result] = response.json()["statements"]
    assert (result["payments_created"], result["reversals_applied"]) == (2, 1), result
    assert (await stored_invoice(session, first["id"])).open_amount == Decimal("100.00")
    assert (await stored_invoice(session, second["id"])).state == "paid"


async def test_a_statement_whose_balances_do_not_add_up_is_imported_with_a_warning(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first, _ = await two_invoices(client, session)
    statement = camt053(
        [camt_entry("E-1", "100.00", rf=first["rf_reference"])], opening="0", closing="999.00"
    )

    response = await client.post(
        "/v1/bank-statements",
        files={"file": ("statement.xml", statement, "application/xml")},
    )

    assert response.status_code == 201, response.text
    assert "closing balance" in " ".join(response.json()["warnings"])
    assert (await stored_invoice(session, first["id"])).state == "paid"


async def test_a_malformed_file_or_an_account_not_ours_stores_nothing(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first, _ = await two_invoices(client, session)
    good_entry = camt_entry("E-1", "100.00", rf=first["rf_reference"])
    malformed = camt053([good_entry], opening="0", closing="100.00").replace(
        b'<Amt Ccy="EUR">100.00</Amt>', b'<Amt Ccy="EUR">1OO.00</Amt>'
    )
    truncated = camt053([good_entry], opening="0", closing="100.00")[:-40]
    not_ours = camt053(
        [good_entry], opening="0", closing="100.00", account="DE89370400440532013000"
    )

    responses = [
        await client.post("/v1/bank-statements", content=body, headers=XML)
        for body in (malformed, truncated, not_ours)
    ]

    assert [r.status_code for r in responses] == [422, 422, 422]
    assert all(error_fields(r) == ["file"] for r in responses)
    assert "Amt" in responses[0].json()["errors"][0]["message"]
    assert "line" in responses[1].json()["errors"][0]["message"]
    assert "DE89370400440532013000" in responses[2].json()["errors"][0]["message"]
    assert await count(session, Payment) == 0
    assert (await stored_invoice(session, first["id"])).state == "issued"


async def test_a_json_body_is_415_naming_the_content_type(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/bank-statements", json={"file": "x"})

    assert response.status_code == 415
    assert error_fields(response) == ["Content-Type"]


async def test_an_amount_finer_than_its_currency_rejects_the_file(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    first, _ = await two_invoices(client, session)
    statement = camt053(
        [camt_entry("E-1", "100.00", rf=first["rf_reference"]), camt_entry("E-2", "1.005")],
        opening="0",
        closing="101.005",
    )

    response = await client.post("/v1/bank-statements", content=statement, headers=XML)

    assert response.status_code == 422
    assert error_fields(response) == ["file"]
    assert "1.005 EUR" in response.json()["errors"][0]["message"]
    assert await count(session, Payment) == 0
