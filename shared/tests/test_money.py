from decimal import Decimal

import pytest
from pydantic import ValidationError

from receivables_shared.money import Money


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
