"""Due dates: issue date + payment term, moved past weekends and public holidays when the
customer's terms say `next_business_day`. Holidays come from the maintained `holidays` package
for the customer's country (LV, BG, RU, ... with their substituted days off)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

from invoicing.invoices.models import BusinessDayRule

#: Far more than any run of holidays and weekends (RU's New Year holidays are ~10 days).
MAX_DAYS_MOVED = 31


@lru_cache(maxsize=64)
def _calendar(country: str | None) -> holidays.HolidayBase:
    try:
        if country:
            return holidays.country_holidays(country)
    except NotImplementedError:
        pass  # a country the package does not know: weekends only
    return holidays.HolidayBase()


def is_business_day(day: date, country: str | None) -> bool:
    return bool(_calendar(country).is_working_day(day))


def next_business_day(day: date, country: str | None) -> date:
    """`day` itself when it is a business day in `country`, else the first one after it."""
    for _ in range(MAX_DAYS_MOVED):
        if is_business_day(day, country):
            return day
        day += timedelta(days=1)
    return day


def due_date_for(issue_date: date, term_days: int, rule: str, country: str | None) -> date:
    due = issue_date + timedelta(days=term_days)
    if rule == BusinessDayRule.NEXT_BUSINESS_DAY:
        return next_business_day(due, country)
    return due
