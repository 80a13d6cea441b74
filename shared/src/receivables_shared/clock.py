"""Injectable time. Every scheduler and every business rule asks a Clock, never datetime.now().

Tests and simulations move a ManualClock; production uses SystemClock, optionally pinned to a
business date (for replaying a day) through the service setting BUSINESS_DATE.

Timestamps are UTC; the business date is the date in the seller's time zone (the setting
BUSINESS_TIMEZONE): an invoice issued at 00:30 on 1 January in Riga is 22:30 on 31 December in
UTC, and belongs to the new year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_BUSINESS_TIMEZONE = "Europe/Riga"


class Clock(Protocol):
    def now(self) -> datetime:
        """Aware UTC timestamp."""
        ...

    def today(self) -> date:
        """The business date."""
        ...


class SystemClock:
    def __init__(
        self,
        business_date: date | None = None,
        *,
        zone: ZoneInfo = ZoneInfo(DEFAULT_BUSINESS_TIMEZONE),
    ) -> None:
        self._business_date = business_date
        self.zone = zone

    def now(self) -> datetime:
        return datetime.now(UTC)

    def today(self) -> date:
        # A pinned business date (a replayed day) wins over the time of day.
        return self._business_date or self.now().astimezone(self.zone).date()


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(
        self, start: datetime, *, zone: ZoneInfo = ZoneInfo(DEFAULT_BUSINESS_TIMEZONE)
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = start
        self.zone = zone

    def now(self) -> datetime:
        return self._now

    def today(self) -> date:
        return self._now.astimezone(self.zone).date()

    def advance(self, delta: timedelta) -> None:
        self._now += delta

    def set(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self._now = moment
