"""The request dependencies of this service, defined once."""

from typing import Annotated

from fastapi import Depends

from notifications.settings import Settings
from receivables_shared.http.dependencies import (
    ApiKeyDep,
    ClockDep,
    ReadKeyDep,
    SessionDep,
    WriteKeyDep,
    get_settings,
)

SettingsDep = Annotated[Settings, Depends(get_settings)]

__all__ = ["ApiKeyDep", "ClockDep", "ReadKeyDep", "SessionDep", "SettingsDep", "WriteKeyDep"]
