from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from receivables_shared.http.inputs import RequestModel
from receivables_shared.pagination import Page
from receivables_shared.reference_codes import CountryCode, CurrencyCode, LanguageCode


class CustomerCreate(RequestModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    country: CountryCode
    language: LanguageCode
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


class CustomerPage(Page[CustomerRead]):
    """Customers in the order they were created."""
