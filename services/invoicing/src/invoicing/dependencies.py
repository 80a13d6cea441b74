"""The request dependencies of this service, defined once."""

from typing import Annotated

from fastapi import Depends

from invoicing.customers.lookup import CustomerLookup
from invoicing.settings import Settings
from receivables_shared.http.dependencies import (
    ApiKeyDep,
    ApproveKeyDep,
    ClockDep,
    ReadKeyDep,
    SessionDep,
    WriteKeyDep,
    get_settings,
)
from receivables_shared.idempotency.dependencies import IdempotencyDep

SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_customer_lookup(settings: SettingsDep) -> CustomerLookup:
    return CustomerLookup.from_settings(settings)


CustomerLookupDep = Annotated[CustomerLookup, Depends(get_customer_lookup)]

__all__ = [
    "ApiKeyDep",
    "ApproveKeyDep",
    "ClockDep",
    "CustomerLookupDep",
    "IdempotencyDep",
    "ReadKeyDep",
    "SessionDep",
    "SettingsDep",
    "WriteKeyDep",
]
