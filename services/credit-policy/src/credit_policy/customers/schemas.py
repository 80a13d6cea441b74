from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from receivables_shared.http.inputs import RequestModel
from receivables_shared.pagination import Page
from receivables_shared.reference_codes import CountryCode, CurrencyCode, LanguageCode

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ContactRole(StrEnum):
    DECISION_MAKER = "decision_maker"
    ACCOUNTANT = "accountant"
    OTHER = "other"


class Channel(StrEnum):
    EMAIL = "email"
    PHONE = "phone"
    SMS = "sms"
    LETTER = "letter"


class ContactInput(RequestModel):
    name: Name | None = None
    role: ContactRole
    email: EmailStr | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = Field(
        default=None,
        description="International (+371 2000 0000) or national in the customer's country; "
        "stored as E.164.",
    )
    preferred_channel: Channel


class CustomerFields(RequestModel):
    """A customer's master data: the whole document (PUT replaces it)."""

    name: Name
    country: CountryCode
    language: LanguageCode
    currency: CurrencyCode
    tax_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = Field(
        default=None,
        description="VAT number or TIN; its checksum is checked where the country has one.",
    )
    time_zone: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None,
        description="IANA zone; default: the country's zone when it has one, "
        "else the business time zone.",
    )
    segment: Label | None = None
    contacts: list[ContactInput] = Field(default_factory=list, max_length=50)


class CustomerCreate(CustomerFields):
    external_id: ExternalId | None = None


class ContactRead(BaseModel):
    name: str | None
    role: ContactRole
    email: str | None
    phone: str | None
    preferred_channel: Channel


class CustomerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    external_id: str | None
    name: str
    country: str
    language: str
    currency: str
    tax_id: str | None
    time_zone: str
    segment: str | None
    contacts: list[ContactRead]


class CustomerPage(Page[CustomerRead]):
    """Customers in the order they were created."""


@dataclass(frozen=True)
class CustomerFilters:
    """What GET /v1/customers may be narrowed by; every filter set must hold (AND).

    Review date joins here when credit-policy has it."""

    segment: str | None = None
    risk_class: str | None = None
    #: The caller's own id of the customer (unique: a page of at most one).
    external_id: str | None = None
    #: True: customers with an active credit hold; False: those without.
    on_hold: bool | None = None
    #: True: only customers with an open review; False: only those without.
    review_due: bool | None = None
