from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from invoicing.webhooks.models import DeliveryState
from receivables_shared.pagination import Page


class DeliveryAck(BaseModel):
    """What the sender gets at once: the delivery is stored (or was already)."""

    id: uuid.UUID
    state: DeliveryState
    reason: str | None = Field(description="Why a rejected delivery cannot be applied.")
    duplicate: bool = Field(description="True when this delivery had been stored before.")


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    source: str
    event_id: str = Field(description="The sender's id of the delivery (webhook-id, evt_...).")
    state: DeliveryState
    reason: str | None = Field(description="Why it is parked or rejected; null otherwise.")
    payment: dict[str, Any] | None = Field(
        description="The payment the adapter read (amount as a string); null if it could not."
    )
    attempts: int = Field(description="How often the worker has tried to apply it.")
    received_at: datetime
    updated_at: datetime
    next_attempt_at: datetime | None = Field(description="When the worker tries it next.")


class DeliveryPage(Page[DeliveryRead]):
    pass


class DeliveryFilters(BaseModel):
    state: DeliveryState | None = None
    source: str | None = None
