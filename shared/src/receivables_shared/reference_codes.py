"""Reference codes: countries (ISO 3166-1), served languages, currencies (ISO 4217).

The lists come from maintained libraries, not from a hand list that goes stale:

- Currencies come from Babel (CLDR): every code that is legal tender in some territory with no
  end date. That leaves out funds (BOV, CLF, USN...), precious metals (XAU...), test codes (XTS,
  XXX) and withdrawn currencies (DEM, BGL...): nobody invoices in those. CLDR still lists BGN as
  tender, which keeps Bulgarian receivables issued before the euro collectable.
- Countries come from pycountry (the ISO 3166-1 list itself). Babel's territories are not usable
  for this: they add CLDR regions such as EU, UN, XK and ZZ that are not countries.
- Languages: the ones letters and templates exist for, each checked against Babel's locales
  (Babel is what formats numbers and dates in the customer's language).
"""

from __future__ import annotations

from typing import Annotated

import pycountry
from babel import Locale
from babel.core import get_global
from pydantic import AfterValidator, Field


def _tender_currencies() -> frozenset[str]:
    codes = set()
    for currencies in get_global("territory_currencies").values():
        for code, _start, end, tender in currencies:
            if tender and end is None:
                codes.add(code)
    return frozenset(codes)


#: ISO 4217 codes of currencies that are legal tender today.
CURRENCIES: frozenset[str] = _tender_currencies()

#: ISO 3166-1 alpha-2 codes of every country.
COUNTRIES: frozenset[str] = frozenset(country.alpha_2 for country in pycountry.countries)

#: The languages the platform writes to customers in (ISO 639-1): a new one needs its templates.
SERVED_LANGUAGES: frozenset[str] = frozenset({"bg", "en", "lv", "ru"})

# A served language Babel cannot format for is a typo: fail at import, not at the first letter.
for _language in SERVED_LANGUAGES:
    Locale.parse(_language)


def _check_currency(code: str) -> str:
    if code not in CURRENCIES:
        raise ValueError(f"'{code}' is not the ISO 4217 code of a currency in use")
    return code


def _check_country(code: str) -> str:
    if code not in COUNTRIES:
        raise ValueError(f"'{code}' is not an ISO 3166-1 alpha-2 country code")
    return code


def _check_language(code: str) -> str:
    if code not in SERVED_LANGUAGES:
        served = ", ".join(sorted(SERVED_LANGUAGES))
        raise ValueError(f"'{code}' is not a language the platform serves ({served})")
    return code


CurrencyCode = Annotated[
    str,
    Field(min_length=3, max_length=3, examples=["EUR"]),
    AfterValidator(_check_currency),
]

CountryCode = Annotated[
    str,
    Field(min_length=2, max_length=2, examples=["LV"], description="ISO 3166-1 alpha-2"),
    AfterValidator(_check_country),
]

LanguageCode = Annotated[
    str,
    Field(
        min_length=2,
        max_length=2,
        examples=["lv"],
        json_schema_extra={"enum": sorted(SERVED_LANGUAGES)},
        description="ISO 639-1, one the platform serves: letters go out in this language",
    ),
    AfterValidator(_check_language),
]
