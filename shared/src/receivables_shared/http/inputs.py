"""Request models that refuse, by construction, input the database or date arithmetic cannot take.

- Text with a NUL character: PostgreSQL text cannot store it, so it would fail at INSERT time as
  a 500. Every string of a `RequestModel` (nested models, lists and mappings included) is
  checked, so a new endpoint gets the rule by subclassing.
- Dates near the end of the calendar: 9999-12-31 plus a payment term overflows `date`. A
  `BusinessDate` lies in a range that leaves centuries of room for any term or schedule; a
  `BusinessTimestamp` (aware) in the same years: asyncpg stores datetime.min and max as -infinity
  and infinity, which no later subtraction survives.

Both are 422 problem+json naming the field, like every other validation error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator

EARLIEST_BUSINESS_DATE = date(1900, 1, 1)
LATEST_BUSINESS_DATE = date(2999, 12, 31)

BusinessDate = Annotated[date, Field(ge=EARLIEST_BUSINESS_DATE, le=LATEST_BUSINESS_DATE)]


def _within_business_years(value: datetime) -> datetime:
    if not EARLIEST_BUSINESS_DATE.year <= value.year <= LATEST_BUSINESS_DATE.year:
        raise ValueError(
            f"must lie in the years {EARLIEST_BUSINESS_DATE.year} to {LATEST_BUSINESS_DATE.year}"
        )
    return value


#: An aware timestamp in the years a BusinessDate allows.
BusinessTimestamp = Annotated[AwareDatetime, AfterValidator(_within_business_years)]

NUL = "\x00"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, Mapping):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_nul(item) for item in value)
    return False  # nested RequestModels check their own fields


class RequestModel(BaseModel):
    """Base of every request body: unknown fields and NUL characters are refused."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain the NUL character (U+0000)")
        return value
