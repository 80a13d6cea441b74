"""The request dependencies of this service, defined once."""

from typing import Annotated

from fastapi import Depends

from notifications.settings import Settings
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
from receivables_shared.pagination import PageRequestDep

SettingsDep = Annotated[Settings, Depends(get_settings)]

__all__ = [
    "ApiKeyDep",
    "ApproveKeyDep",
    "ClockDep",
    "IdempotencyDep",
    "PageRequestDep",
    "ReadKeyDep",
    "SessionDep",
    "SettingsDep",
    "WriteKeyDep",
]
