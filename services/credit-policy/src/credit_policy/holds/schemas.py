from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from credit_policy.holds.models import Stop
from receivables_shared.http.inputs import RequestModel

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class HoldCreate(RequestModel):
    reason: Text = Field(description="Why the customer is put on hold, in words.")
    stops: list[Stop] = Field(
        min_length=1,
        max_length=4,
        description="What the hold stops; `service` (suspension) needs the contract clause "
        "suspend_service or disable_equipment_remotely.",
    )
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class HoldRelease(RequestModel):
    reason: Text = Field(description="Why the hold is lifted, in words.")


class HoldRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    #: "overdue_beyond_grace", "dunning_step" or "manual".
    reason: str
    stops: list[str]
    placed_on: date
    placed_by: str
    note: str | None
    released_on: date | None
    release_reason: str | None
    released_by: str | None


class HoldList(BaseModel):
    items: list[HoldRead]
