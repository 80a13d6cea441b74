"""The seller settings: IBAN and BIC checked with python-stdnum when the service starts."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from invoicing.settings import Settings


def settings_with(monkeypatch: pytest.MonkeyPatch, accounts: list[dict[str, str]]) -> Settings:
    monkeypatch.setenv("INVOICING_SELLER_BANK_ACCOUNTS", json.dumps(accounts))
    return Settings()


def test_the_demo_seller_has_a_valid_account() -> None:
    seller = Settings().seller

    assert seller.legal_name and seller.address and seller.tax_id
    [account] = seller.bank_accounts
    assert account.iban == "LV80BANK0000435195001"


def test_accounts_from_the_environment_are_stored_compact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INVOICING_SELLER_LEGAL_NAME", "AD Example")
    settings = settings_with(
        monkeypatch,
        [
            {"iban": "lv80 bank 0000 4351 9500 1", "bic": "bankLV22"},
            {"iban": "BG80BNBG96611020345678", "bic": "BNBGBGSF", "bank_name": "BNB"},
        ],
    )

    assert settings.seller.legal_name == "AD Example"
    assert [(a.iban, a.bic) for a in settings.seller.bank_accounts] == [
        ("LV80BANK0000435195001", "BANKLV22"),
        ("BG80BNBG96611020345678", "BNBGBGSF"),
    ]


@pytest.mark.parametrize(
    ("account", "field"),
    [
        ({"iban": "LV81BANK0000435195001", "bic": "BANKLV22"}, "iban"),  # check digits
        ({"iban": "LV80BANK000043519500", "bic": "BANKLV22"}, "iban"),  # length
        ({"iban": "LV80BANK0000435195001", "bic": "BANK22"}, "bic"),
    ],
)
def test_a_wrong_account_stops_the_service_naming_it(
    monkeypatch: pytest.MonkeyPatch, account: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        settings_with(monkeypatch, [account])

    [error] = raised.value.errors()
    assert error["loc"] == ("seller_bank_accounts", 0, field)


def test_a_seller_without_any_account_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError) as raised:
        settings_with(monkeypatch, [])

    assert raised.value.errors()[0]["loc"] == ("seller_bank_accounts",)


def test_bank_statements_of_the_sellers_own_accounts_are_accepted_without_more_settings() -> None:
    settings = Settings(bank_accounts="LT12 1000 0111 0100 1000")

    assert settings.known_bank_accounts == {
        "LT121000011101001000",
        *(account.iban for account in settings.seller_bank_accounts),
    }
