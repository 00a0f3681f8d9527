"""Time zones and wall-clock times. No models, no app imports."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@cache
def timezone_names() -> tuple[str, ...]:
    """IANA zone names a user may pick, sorted; legacy aliases like 'US/Eastern' included."""
    # "localtime" is whatever zone the server runs in, "Factory" is a placeholder: neither
    # means a place a brand is in.
    return tuple(sorted(zoneinfo.available_timezones() - {"localtime", "Factory"}))


def validate_timezone(value: str) -> None:
    if value not in timezone_names():
        raise ValidationError(
            _("“%(value)s” is not an IANA time zone; use a name like Europe/Helsinki."),
            code="invalid_timezone",
            params={"value": value},
        )


def add_months(first: date, months: int) -> date:
    """The first day of the month `months` away from the month of `first`."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def wall_time(day: date, at: time, zone: str) -> datetime:
    """The instant (UTC) when clocks in `zone` show `day` `at`.

    DST: a time that does not exist (the spring-forward gap, e.g. 03:30 in Helsinki on the
    last Sunday of March) is moved forward by the gap, so the post goes out at 04:30 local,
    not an hour early; a time that happens twice (the autumn fold) means the first time.
    """
    # PEP 495: with fold=0 a time in the gap is read with the offset from before the change,
    # which lands after the jump (03:30 → 04:30); an ambiguous time is its first occurrence.
    return datetime.combine(day, at, tzinfo=zoneinfo.ZoneInfo(zone)).astimezone(UTC)


def local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).date()


def utc_bounds(start_on: date, end_on: date, zone: str) -> tuple[datetime, datetime]:
    """The UTC instants of local midnight at the start of both days in `zone`."""
    return wall_time(start_on, time(0), zone), wall_time(end_on, time(0), zone)
