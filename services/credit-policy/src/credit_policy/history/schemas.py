from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from receivables_shared.pagination import Page


class HistoryEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    recorded_at: datetime
    actor: str = Field(description="The API key's name, or the process that made the change.")
    source: str = Field(description="`api`, `assessment`, `risk_class`...")
    change: str = Field(
        description="`risk_class`, `credit_limit`, `term_override`, `credit_decision`, "
        "`contract`, `special_control` or `risk_class_terms` (the class itself changed)."
    )
    term: str | None = Field(description="The term of a `term_override`.")
    before: Any
    after: Any
    reason: str


class HistoryPage(Page[HistoryEntryRead]):
    """Newest first."""
