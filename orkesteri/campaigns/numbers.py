"""Reading money and counts as people type them and spreadsheets save them: pure, no models.

"12.50", "12,50", "1 234,50", "1,234.50", "1.234,50" and "1'234.50" are all accepted. The last
`.` or `,` is the decimal mark when it is followed by one or two digits and is the only one of
its kind; separators of thousands come in groups of three. Money has at most two decimals,
so "1,234" (one separator, three digits after it) is refused as ambiguous instead of guessed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

MAX_MONEY = Decimal("999999999999.99")
MAX_COUNT = 10**15
SPACES = re.compile(r"[\s\u00a0\u202f']")
NUMBER = re.compile(r"[0-9][0-9.,]*")
GROUPED = re.compile(r"[0-9]{1,3}(?:[.,][0-9]{3})+")


class NumberError(ValueError):
    """The text is not a number of the kind asked for; str() is the message for the user."""


def parse_money(text: str) -> Decimal:
    """A non-negative amount with at most two decimals."""
    value = SPACES.sub("", text)
    if value.startswith("-"):
        raise NumberError(_("“%(value)s” is negative; amounts are 0 or more.") % {"value": text})
    if not NUMBER.fullmatch(value):
        raise NumberError(
            _("“%(value)s” is not an amount like 12.50 or 12,50.") % {"value": text.strip()}
        )
    number = _to_decimal(value, text)
    if number.as_tuple().exponent < -2:  # type: ignore[operator]
        raise NumberError(
            _(
                "“%(value)s” has more than two decimals. Write amounts without separators of "
                "thousands, like 1234.50 or 1234,50."
            )
            % {"value": text.strip()}
        )
    if number > MAX_MONEY:
        raise NumberError(_("“%(value)s” is too large.") % {"value": text.strip()})
    return number.quantize(Decimal("0.01"))


def parse_count(text: str) -> int:
    """A whole number of 0 or more, such as impressions; "12 345" and "12,345" are accepted."""
    value = SPACES.sub("", text)
    if value.startswith("-"):
        raise NumberError(_("“%(value)s” is negative; counts are 0 or more.") % {"value": text})
    if not (value.isdigit() and value.isascii()) and not GROUPED.fullmatch(value):
        raise NumberError(
            _("“%(value)s” is not a whole number like 1200.") % {"value": text.strip()}
        )
    number = int(re.sub(r"[.,]", "", value))
    if number > MAX_COUNT:
        raise NumberError(_("“%(value)s” is too large.") % {"value": text.strip()})
    return number


def _to_decimal(value: str, original: str) -> Decimal:
    marks = [c for c in value if c in ".,"]
    plain = value
    if marks:
        decimal_mark = marks[-1]
        if marks.count(decimal_mark) > 1:
            # "1.234.567" or "1,234,567": separators of thousands only.
            if not GROUPED.fullmatch(value):
                raise NumberError(_("“%(value)s” is not an amount.") % {"value": original.strip()})
            plain = re.sub(r"[.,]", "", value)
        else:
            whole, _mark, fraction = value.rpartition(decimal_mark)
            if "." in whole or "," in whole:
                if not GROUPED.fullmatch(whole):
                    raise NumberError(
                        _("“%(value)s” is not an amount.") % {"value": original.strip()}
                    )
                whole = re.sub(r"[.,]", "", whole)
            plain = f"{whole}.{fraction}"
    try:
        return Decimal(plain)
    except InvalidOperation:
        raise NumberError(
            _("“%(value)s” is not an amount.") % {"value": original.strip()}
        ) from None
