"""Money, counts and percentages in the reader's language; a dash where a figure is missing."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency, format_decimal, format_percent
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()
DASH = "—"


def _locale() -> str:
    return to_locale(get_language() or "en")


@register.filter
def money(value: Decimal | None, currency: str) -> str:
    """1 234,50 € (fi), €1,234.50 (en)."""
    if value is None:
        return DASH
    return format_currency(value, currency, locale=_locale())


@register.filter
def unit_cost(value: Decimal | None, currency: str) -> str:
    """A cost per click or per thousand: cents, and more digits when it is under a cent."""
    if value is None:
        return DASH
    if value >= Decimal("0.1"):
        return money(value.quantize(Decimal("0.01")), currency)
    return format_currency(
        value.normalize(), currency, locale=_locale(), decimal_quantization=False
    )


@register.filter
def percent(value: Decimal | None) -> str:
    """A percentage given as 12.5 (not 0.125): 12.5 %."""
    if value is None:
        return DASH
    return format_percent(value / 100, format="#,##0.0%", locale=_locale())


@register.filter
def count(value: int | None) -> str:
    if value is None:
        return DASH
    return format_decimal(value, locale=_locale())
