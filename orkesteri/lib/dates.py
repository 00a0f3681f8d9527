"""Time zones and wall-clock times. No models, no app imports."""

from __future__ import annotations

import zoneinfo
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
