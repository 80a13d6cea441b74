"""Tax ids (VAT number or TIN) checked with python-stdnum's per-country rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from stdnum import get_cc_module
from stdnum.exceptions import ValidationError

if TYPE_CHECKING:
    from stdnum.util import NumberValidationModule


def _modules(country: str) -> list[NumberValidationModule]:
    """stdnum's VAT and TIN modules for the country (none for a country stdnum lacks)."""
    found = (get_cc_module(country.lower(), kind) for kind in ("vat", "tin"))
    return [module for module in found if module is not None]


def tax_id_problem(country: str, tax_id: str) -> str | None:
    """Why `tax_id` is not a tax id of `country`, or None when it is (or cannot be checked).

    A number passes when it is a valid VAT number or a valid TIN of the country; with or
    without the country prefix ("LV40003521600" or "40003521600")."""
    modules = _modules(country)
    if not modules:
        return None
    reasons: list[str] = []
    for module in modules:
        try:
            module.validate(tax_id)
        except ValidationError as error:
            reasons.append(str(error).rstrip("."))
        else:
            return None
    return f"is not a valid tax id of {country} ({'; '.join(reasons)})"
