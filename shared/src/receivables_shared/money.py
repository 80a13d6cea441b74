"""Money: a Decimal amount with an ISO 4217 currency. Never float.

Amounts (and other decimals such as quantities) arrive as JSON strings. A JSON number is refused:
on its way it may have been through some client's binary float, so `0.1` may not be the amount
the sender meant, and nobody can tell.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from babel.numbers import get_currency_precision
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from receivables_shared.reference_codes import CURRENCIES, CurrencyCode

__all__ = [
    "ISO_4217",
    "Amount",
    "CurrencyCode",
    "DecimalString",
    "Money",
    "Quantity",
    "RecordedCurrencyCode",
    "fits_minor_units",
    "minor_units",
    "quantum",
]

#: Kept for existing imports: the currencies in use, from reference_codes.
ISO_4217 = CURRENCIES

#: A currency in a recorded fact (an event): ISO 4217 in shape only. Requests check that the
#: code is in use today; an event written years ago must stay readable after its currency was
#: withdrawn (BGN, HRK) or a newer Babel stops listing it.
RecordedCurrencyCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Z]{3}$"), Field(examples=["EUR"])
]

#: What a decimal string looks like: "1200.50", "-3", "1E+2".
DECIMAL_PATTERN = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"

NUMBER_REFUSED = (
    'send it as a decimal string, e.g. "{value}": a JSON number may have been rounded by a '
    "binary float on its way and cannot be trusted to be the value meant"
)


def _refuse_json_numbers(value: Any) -> Any:
    # bool is an int too. Ints are exact, but one rule ("decimals are strings") is easier to follow.
    if isinstance(value, int | float):
        raise ValueError(NUMBER_REFUSED.format(value=value))
    return value


class _StringInRequests:
    """Requests document the only form they accept; responses already write decimals as strings."""

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        if handler.mode == "validation":
            return {"type": "string", "pattern": DECIMAL_PATTERN, "format": "decimal"}
        return json_schema


#: A decimal of any size and precision that must arrive as a string.
DecimalString = Annotated[Decimal, BeforeValidator(_refuse_json_numbers), _StringInRequests()]

#: Amounts keep three decimals at most (KWD, BHD, JOD have three minor digits; most currencies
#: two, JPY none: check an amount against its currency with `fits_minor_units`). JSON carries
#: them as strings so no client rounds them.
Amount = Annotated[
    Decimal,
    Field(max_digits=19, decimal_places=3),
    BeforeValidator(_refuse_json_numbers),
    _StringInRequests(),
]

#: A positive quantity (of an invoice line), up to four decimals.
Quantity = Annotated[
    Decimal,
    Field(gt=0, max_digits=18, decimal_places=4),
    BeforeValidator(_refuse_json_numbers),
    _StringInRequests(),
]


def minor_units(currency: str) -> int:
    """Digits after the decimal point in the currency's amounts: EUR 2, JPY 0, KWD 3 (CLDR)."""
    return int(get_currency_precision(currency))


def quantum(currency: str) -> Decimal:
    """The smallest amount of the currency: Decimal("0.01") for EUR, Decimal("1") for JPY."""
    return Decimal(1).scaleb(-minor_units(currency))


def fits_minor_units(amount: Decimal, currency: str) -> bool:
    """True when the amount has no more decimals than the currency has minor units."""
    exponent = amount.normalize().as_tuple().exponent
    return not isinstance(exponent, int) or -exponent <= minor_units(currency)


class Money(BaseModel):
    model_config = ConfigDict(frozen=True)

    amount: Amount
    currency: CurrencyCode

    @model_validator(mode="after")
    def _amount_fits_currency(self) -> Money:
        if not fits_minor_units(self.amount, self.currency):
            digits = minor_units(self.currency)
            raise ValueError(f"{self.currency} amounts have at most {digits} decimals")
        return self
