"""Figures as people read them: grouped thousands, two decimals for rates, a dash for none."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from orkesteri.analytics.kpis import Delta

register = template.Library()

NONE = "–"


@register.filter
def figure(value: Any, style: str = "count") -> str:
    """`count` 12 345, `percent` 3.42 %, `decimal` 1.5; None (not given, or not computable)
    is a dash, never 0."""
    if value is None:
        return NONE
    if style == "percent":
        return f"{number_format(value, 2, use_l10n=True)} %"
    if style == "decimal":
        return number_format(value, 1, use_l10n=True)
    return number_format(int(value), 0, use_l10n=True, force_grouping=True)


@register.filter
def change(delta: Delta | None, points: bool = False) -> str:
    """How a figure moved since the previous period: "+12 %" for counts, "+0.40 pp" for
    rates (percentage points); a dash when it cannot be said."""
    if delta is None or delta.change is None:
        return NONE
    if points:
        sign = "+" if delta.change > 0 else ""
        return _("%(sign)s%(value)s pp") % {
            "sign": sign,
            "value": number_format(delta.change, 2, use_l10n=True),
        }
    if delta.change_percent is None:
        sign = "+" if delta.change > 0 else ""
        return f"{sign}{number_format(delta.change, 0, use_l10n=True, force_grouping=True)}"
    sign = "+" if delta.change_percent > 0 else ""
    return f"{sign}{number_format(delta.change_percent, 1, use_l10n=True)} %"


@register.filter
def trend(delta: Delta | None) -> str:
    """A CSS class: up, down or flat."""
    if delta is None or not delta.change:
        return "flat"
    return "up" if delta.change > 0 else "down"


@register.filter
def attr(value: Any, name: str) -> Any:
    """A figure of a KpiSet by name (the tables' columns are data, not template code)."""
    return getattr(value, name, None)
