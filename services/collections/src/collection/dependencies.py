"""The request dependencies of this service, defined once."""

from typing import Annotated

from fastapi import Depends
from receivables_shared.http.dependencies import (
    ApiKeyDep,
    ClockDep,
    ReadKeyDep,
    SessionDep,
    WriteKeyDep,
    get_settings,
)

from collection.settings import Settings

SettingsDep = Annotated[Settings, Depends(get_settings)]

__all__ = ["ApiKeyDep", "ClockDep", "ReadKeyDep", "SessionDep", "SettingsDep", "WriteKeyDep"]
