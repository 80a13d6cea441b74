"""Countries, languages and currencies come from maintained lists (pycountry, Babel)."""

from __future__ import annotations

import pytest
from babel import Locale
from pydantic import TypeAdapter, ValidationError

from receivables_shared.reference_codes import (
    COUNTRIES,
    CURRENCIES,
    SERVED_LANGUAGES,
    CountryCode,
    CurrencyCode,
    LanguageCode,
)


def test_the_platform_serves_english_russian_bulgarian_and_latvian() -> None:
    assert frozenset({"en", "ru", "bg", "lv"}) == SERVED_LANGUAGES
    assert all(Locale.parse(code).language == code for code in SERVED_LANGUAGES)


def test_countries_are_the_iso_3166_list() -> None:
    assert len(COUNTRIES) == 249
    assert {"LV", "BG", "RU", "DE", "US"} <= COUNTRIES


@pytest.mark.parametrize("code", ["EU", "UN", "XK", "ZZ", "QO", "lv", "LVA", ""])
def test_regions_and_user_assigned_codes_are_no_countries(code: str) -> None:
    with pytest.raises(ValidationError, match=r"ISO 3166-1|at least|at most"):
        TypeAdapter(CountryCode).validate_python(code)


@pytest.mark.parametrize("code", ["EUR", "USD", "GBP", "RUB", "BGN", "CHF", "JPY"])
def test_currencies_in_use_are_accepted(code: str) -> None:
    assert TypeAdapter(CurrencyCode).validate_python(code) == code


@pytest.mark.parametrize(
    "code",
    ["XAU", "XDR", "XTS", "XXX", "BOV", "CLF", "USN", "DEM", "LVL", "BGL", "eur", "EURO"],
    ids=lambda code: code or "empty",
)
def test_metals_funds_test_codes_and_withdrawn_currencies_are_refused(code: str) -> None:
    assert code not in CURRENCIES
    with pytest.raises(ValidationError):
        TypeAdapter(CurrencyCode).validate_python(code)


def test_a_language_the_platform_does_not_serve_is_refused_naming_the_served_ones() -> None:
    with pytest.raises(ValidationError, match=r"'de' is not a language the platform serves"):
        TypeAdapter(LanguageCode).validate_python("de")
    assert TypeAdapter(LanguageCode).validate_python("lv") == "lv"
