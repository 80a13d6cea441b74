from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from receivables_shared.http.inputs import RequestModel
from receivables_shared.money import CurrencyCode

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$"), Field(examples=["LV"])]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$"), Field(examples=["lv"])]


class CustomerCreate(RequestModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    country: CountryCode = Field(description="ISO 3166-1 alpha-2")
    language: LanguageCode = Field(description="ISO 639-1; letters go out in this language")
    currency: CurrencyCode
    tax_id: Annotated[str, StringConstraints(max_length=64)] | None = None


class CustomerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    country: str
    language: str
    currency: str
    tax_id: str | None


class CustomerPage(BaseModel):
    items: list[CustomerRead]
    limit: int
    offset: int
