"""The largest amount a statement entry may carry: payments are stored as Numeric(19, 3)."""

from __future__ import annotations

from decimal import Decimal

#: Digits before the decimal point a stored amount has room for.
INTEGER_DIGITS = 16


def too_large(amount: Decimal) -> bool:
    """More integer digits than a payment can store: the file is wrong, not the database."""
    return amount != 0 and amount.adjusted() >= INTEGER_DIGITS
