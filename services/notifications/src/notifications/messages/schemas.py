from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from receivables_shared.pagination import Page


class OutboundMessageRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    kind: str
    reference_id: uuid.UUID
    status: str
    created_at: datetime


class OutboundMessagePage(Page[OutboundMessageRead]):
    """A customer's messages in the order they were queued."""
