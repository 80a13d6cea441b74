from decimal import Decimal

import pytest
from pydantic import ValidationError

from receivables_shared.money import Money, fits_minor_units, minor_units, quantum


def test_money_keeps_decimal_amounts() -> None:
    money = Money(amount=Decimal("10.10"), currency="EUR")

    assert money.amount + Decimal("0.20") == Decimal("10.30")
    assert money.model_dump(mode="json") == {"amount": "10.10", "currency": "EUR"}


@pytest.mark.parametrize("code", ["EURO", "eur", "XAU", ""])
def test_currency_must_be_iso_4217(code: str) -> None:
    with pytest.raises(ValidationError):
        Money(amount=Decimal(1), currency=code)


def test_more_than_two_decimals_is_refused() -> None:
    with pytest.raises(ValidationError):
        Money(amount=Decimal("1.005"), currency="EUR")


@pytest.mark.parametrize(
    ("currency", "digits", "smallest"),
    [("EUR", 2, "0.01"), ("JPY", 0, "1"), ("KWD", 3, "0.001")],
)
def test_minor_units_come_from_the_currency(currency: str, digits: int, smallest: str) -> None:
    assert minor_units(currency) == digits
    assert quantum(currency) == Decimal(smallest)


def test_an_amount_fits_its_currency_or_not() -> None:
    assert fits_minor_units(Decimal("10.500"), "EUR")  # trailing zeros are not digits
    assert fits_minor_units(Decimal("1E+3"), "JPY")
    assert not fits_minor_units(Decimal("10.5"), "JPY")
    assert Money(amount=Decimal("1.005"), currency="KWD").amount == Decimal("1.005")
    with pytest.raises(ValidationError):
        Money(amount=Decimal("100.5"), currency="JPY")
