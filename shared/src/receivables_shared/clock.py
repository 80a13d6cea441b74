"""Injectable time. Every scheduler and every business rule asks a Clock, never datetime.now().

Tests and simulations move a ManualClock; production uses SystemClock, optionally pinned to a
business date (for replaying a day) through the service setting BUSINESS_DATE.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC timestamp."""
        ...

    def today(self) -> date:
        """The business date."""
        ...


class SystemClock:
    def __init__(self, business_date: date | None = None) -> None:
        self._business_date = business_date

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        return self._business_date or self.now().date()


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.date()

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        self._now = moment
