"""The business date is the date in the seller's zone; a pinned business date wins."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from receivables_shared.clock import ManualClock, SystemClock
from receivables_shared.settings import ServiceSettings

NEW_YEAR_IN_RIGA = datetime(2026, 12, 31, 22, 30, tzinfo=UTC)


def test_the_business_date_is_the_date_in_the_business_zone() -> None:
    riga = ManualClock(NEW_YEAR_IN_RIGA)
    new_york = ManualClock(NEW_YEAR_IN_RIGA, zone=ZoneInfo("America/New_York"))

    assert riga.today() == date(2027, 1, 1)
    assert new_york.today() == date(2026, 12, 31)
    assert riga.now() == NEW_YEAR_IN_RIGA  # timestamps stay UTC


def test_summer_time_moves_the_day_boundary() -> None:
    clock = ManualClock(datetime(2026, 6, 30, 20, 59, tzinfo=UTC))  # 23:59 EEST
    before = clock.today()
    clock.set(datetime(2026, 6, 30, 21, 0, tzinfo=UTC))

    assert (before, clock.today()) == (date(2026, 6, 30), date(2026, 7, 1))


def test_system_clock_uses_its_zone_unless_the_date_is_pinned() -> None:
    kiribati, samoa = ZoneInfo("Pacific/Kiritimati"), ZoneInfo("Pacific/Pago_Pago")  # 25 h apart

    assert SystemClock(zone=kiribati).today() != SystemClock(zone=samoa).today()
    assert SystemClock(date(2026, 3, 2), zone=kiribati).today() == date(2026, 3, 2)


def test_the_business_zone_setting_must_name_a_real_zone() -> None:
    assert ServiceSettings().business_zone == ZoneInfo("Europe/Riga")
    assert ServiceSettings(business_timezone="Asia/Tokyo").business_zone == ZoneInfo("Asia/Tokyo")
    with pytest.raises(ValidationError, match="business_timezone"):
        ServiceSettings(business_timezone="Europe/Atlantis")
