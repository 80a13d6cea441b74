"""Numbers, money, percents and dates in the customer's locale, with Babel (CLDR data)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, format_percent
from stdnum import iban, iso11649


@dataclass(frozen=True)
class Formatter:
    """Bound to one locale; templates call it as `fmt.money(...)`, `fmt.date(...)`."""

    locale: Locale

    @classmethod
    def for_language(cls, language: str) -> Formatter:
        return cls(Locale.parse(language))

    def money(self, amount: Decimal, currency: str) -> str:
        # Babel rounds to the currency's own minor units: JPY 1,452, KWD 1,452.125, EUR 1,452.50.
        return str(format_currency(amount, currency, locale=self.locale))

    def number(self, value: Decimal) -> str:
        """A quantity: as many decimals as it has, no trailing zeros (2.5000 -> 2.5)."""
        normal = value.normalize()
        exponent = normal.as_tuple().exponent
        if isinstance(exponent, int) and exponent > 0:
            normal = normal.quantize(Decimal(1))
        return str(format_decimal(normal, locale=self.locale, decimal_quantization=False))

    def percent(self, value: Decimal) -> str:
        """`value` in percent points: Decimal("1.5") is 1.5 %."""
        return str(format_percent(value / 100, format="#,##0.####%", locale=self.locale))

    def country(self, code: str) -> str:
        """A country's name in the locale (LV -> Latvia, Латвия, Латвия, Latvija)."""
        return str(self.locale.territories.get(code.upper(), code))

    def date(self, value: datetime.date) -> str:
        return str(format_date(value, format="long", locale=self.locale))

    def short_date(self, value: datetime.date) -> str:
        return str(format_date(value, format="short", locale=self.locale))


def grouped_iban(value: str) -> str:
    """IBAN in groups of four, as printed on paper."""
    return str(iban.format(value))


def grouped_rf(value: str) -> str:
    """ISO 11649 reference in groups of four, its paper form (RF18 5390 0754 7034)."""
    return str(iso11649.format(value))
