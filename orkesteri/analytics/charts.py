"""Charts as inline SVG: one function per chart, for the dashboards now and the PDF reports later.

matplotlib's object API (`Figure` + the SVG canvas; never pyplot, whose global figure list is
not thread-safe) with `svg.fonttype="none"`, so labels stay text: searchable, small, drawn in
the page's font. Every function returns a `SafeString` ready to drop into a template:

- no XML declaration or DOCTYPE; `width="100%"` and the viewBox, no height, so the chart
  scales with its card; `class="chart chart-<kind>"`, `role="img"`, an `aria-label` and a
  `<title>` naming the chart;
- the same input gives byte-identical output (a fixed `svg.hashsalt`, no date metadata),
  which makes the small in-process cache below safe;
- empty data (nothing, or nothing but None) is a chart-sized SVG that says so, not an error.

Text is escaped by matplotlib's SVG writer, the attributes and tooltips we add by Django's
`escape`; mathtext is off (`text.parse_math`), so a label such as "$5 off $10" stays as typed.

Speed: a dashboard page (≤ 150 ms at p95, DESIGN.md §10) holds 2–4 charts and a few
sparklines. matplotlib's Axes, with their ticks and legends, cost more than the data, so the
charts place lines, cells, bars and labels on the Figure in pixels (the viewBox's units) and
size their margins from the labels' widths; there is no `tight_layout`. Renders are also
cached by a digest of their inputs and the language. `bench/charts.py` prints the figures.
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import pickle
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
from django.utils.dates import MONTHS_3
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.colors import Normalize, to_rgb, to_rgba
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.ft2font import LoadFlags
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import Affine2D, Transform

# The app's colours and font stack (static/orkesteri/app.css, :root).
INK = "#1f2430"
MUTED = "#5f6677"
LINE = "#e3e6ee"
AXIS = "#c9cedb"
BACKGROUND = "#f6f7fb"
BRAND = "#4f46e5"
FONT_STACK = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"

# Qualitative colours that read on white (each at least 3:1 against it, WCAG 1.4.11), the
# app's indigo first, far enough apart in hue that 8 lines can be told apart.
PALETTE = (
    BRAND,  # indigo
    "#d97706",  # amber
    "#059669",  # emerald
    "#db2777",  # pink
    "#0891b2",  # cyan
    "#65a30d",  # lime
    "#dc2626",  # red
    "#475569",  # slate
)

# Low values light and high values dark, so the best hours stand out on a white page;
# viridis is perceptually uniform and colour-blind safe. 32 steps keep the colour bar a few
# vector cells (from 50 on, matplotlib rasterizes it into a PNG, through Agg).
HEATMAP_CMAP = mpl.colormaps["viridis_r"].resampled(32)

ValueFormat = str | Callable[[float], str]
"""A `str.format` pattern such as "{:.1f}%", or a function of the value (a localized one)."""

DASH = "–"
FONT_SIZE = 11
LABEL_CHARS = 28  # longer category and legend labels are cut with an ellipsis
CACHE_SIZE = 64


@dataclass(frozen=True)
class Series:
    """One line of a line chart: (day, value) points; a None value breaks the line.

    A point may be a datetime: it is drawn at its wall-clock time, whatever its zone.
    """

    label: str
    points: Sequence[tuple[date, float | None]]
    color: str | None = None


def line_chart(
    series: Sequence[Series],
    *,
    title: str,
    y_label: str = "",
    percent: bool = False,
    brand: str | None = None,
    size: tuple[int, int] = (640, 260),
) -> SafeString:
    """Values over days, one line per series, with a legend below when there are several.

    `percent` means the values are percentages already (3.4 shows as "3.4%"), as kpis.py
    gives them. A series without a colour takes the next of `palette(brand)`.
    """
    lines = _lines(series, palette(brand))
    if not lines:
        return _no_data(title, size)
    args = (lines, title, y_label, percent, size)
    return _cached("line", args, title, size, lambda fig: _draw_lines(fig, *args))


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    value_format: ValueFormat,
    horizontal: bool = False,
    color: str | None = None,
    size: tuple[int, int] | None = None,
) -> SafeString:
    """One bar per label, each labelled with its value; a None value is no bar and a "–".

    Horizontal bars suit long labels (hashtags, posts); their chart grows with their number.
    """
    if len(labels) != len(values):
        raise ValueError(f"bar_chart got {len(labels)} labels but {len(values)} values.")
    size = size or _bar_size(len(labels), horizontal)
    if not any(_finite(v) for v in values):
        return _no_data(title, size)
    texts = tuple(
        _format(value_format, v) if v is not None and _finite(v) else DASH for v in values
    )
    args = (tuple(labels), tuple(_or_zero(v) for v in values), texts, title, horizontal, color)
    return _cached("bar", args, title, size, lambda fig: _draw_bars(fig, *args, size))


def heatmap(
    matrix: Sequence[Sequence[float | None]],
    *,
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    title: str,
    counts: Sequence[Sequence[int]] | None = None,
    value_format: ValueFormat = "{:.2f}",
    size: tuple[int, int] = (640, 250),
) -> SafeString:
    """A grid of coloured cells (weekdays × hours) with a colour bar; None cells are blank.

    Every cell has a tooltip (an SVG `<title>`): its row, column, value and, given `counts`,
    its sample size.
    """
    _check_grid("matrix", matrix, row_labels, col_labels)
    if counts is not None:
        _check_grid("counts", counts, row_labels, col_labels)
    values = [_or_nan(v) for row in matrix for v in row]
    if all(math.isnan(v) for v in values):
        return _no_data(title, size)
    tips = _cell_tips(values, row_labels, col_labels, counts, value_format)
    low, high = _ends(value_format, values)
    args = (tuple(values), tuple(row_labels), tuple(col_labels), title, low, high, size)
    return _cached(
        "heatmap",
        (*args, tips),
        title,
        size,
        lambda fig: _draw_heatmap(fig, *args),
        finish=lambda svg: _add_cell_tips(svg, tips),
    )


def sparkline(
    values: Sequence[float | None],
    *,
    label: str = "",
    color: str | None = None,
    size: tuple[int, int] = (120, 32),
) -> SafeString:
    """A tiny line with no axes for a KPI card, its last value marked with a dot.

    Without a `label` it is decorative (`aria-hidden`): the card says its figure in words.
    With no values it is a dashed baseline whose tooltip says there is no data.
    """
    if not any(_finite(v) for v in values):
        return _no_data_sparkline(size)
    args = (tuple(_or_nan(v) for v in values), color or BRAND, size)
    return _cached("sparkline", args, label, size, lambda fig: _draw_sparkline(fig, *args))


def palette(brand: str | None = None) -> list[str]:
    """The series colours: the workspace's brand colour first, when it reads on white."""
    if not brand or _contrast_with_white(brand) < 3:
        return list(PALETTE)
    brand = brand.lower()
    return [brand, *(c for c in PALETTE if c != brand)]


def clear_cache() -> None:
    """Forget every rendered chart (for tests and benchmarks: cached output is identical)."""
    _CACHE.clear()


# Line charts.


@dataclass(frozen=True)
class _Line:
    label: str
    color: str
    dashed: bool  # the palette's second round: the same colours, told apart by dashes
    days: tuple[float, ...]  # matplotlib date numbers: days since 1970-01-01
    values: tuple[float, ...]  # nan where there is no value


def _lines(series: Sequence[Series], colors: list[str]) -> tuple[_Line, ...]:
    """The series with a value to draw, as numbers sorted by day (cheap to draw and hash)."""
    lines = []
    for i, one in enumerate(series):
        points = sorted(one.points, key=lambda point: point[0])
        values = tuple(_or_nan(v) for _, v in points)
        if all(math.isnan(v) for v in values):
            continue
        days = tuple(_day_number(day) for day, _ in points)
        color = one.color or colors[i % len(colors)]
        dashed = not one.color and (i // len(colors)) % 2 == 1
        lines.append(_Line(_short(one.label), color, dashed, days, values))
    return tuple(lines)


def _draw_lines(
    fig: Figure,
    lines: tuple[_Line, ...],
    title: str,
    y_label: str,
    percent: bool,
    size: tuple[int, int],
) -> None:
    """Lines, grid and labels placed in pixels; the dates are ticked by matplotlib's
    AutoDateLocator and labelled by its ConciseDateFormatter all the same."""
    width, height = size
    found = [v for line in lines for v in line.values if not math.isnan(v)]
    ticks, labels = _value_ticks(min(found), max(found), percent)
    left = _widest(labels, FONT_SIZE - 1) + (32 if y_label else 14)
    columns = _legend_columns(lines, width - left - 16) if len(lines) > 1 else 0
    legend = math.ceil(len(lines) / columns) * 16 + 18 if columns else 0  # + the date offset
    height += legend  # the plot keeps its height
    fig.set_size_inches(width / 72, height / 72)
    plot = _Plot(left, 30.0 + legend, width - 16.0, height - 40.0)
    first, last = _day_range(lines)
    scale = plot.scale((first, last), (ticks[0], ticks[-1]))
    _grid(fig, plot, ticks, labels, scale)
    _date_ticks(fig, plot, first, last, scale)
    for line in lines:
        _plot_line(fig, line, scale + _px(fig))
    if y_label:
        middle = (plot.bottom + plot.top) / 2
        fig.text(14, middle, y_label, rotation=90, va="center", color=MUTED, **_small_text(fig))
    if columns:
        _legend(fig, lines, columns, left)
    _title(fig, title)


def _day_range(lines: tuple[_Line, ...]) -> tuple[float, float]:
    first = min(line.days[0] for line in lines)
    last = max(line.days[-1] for line in lines)
    return (first - 1, last + 1) if first == last else (first, last)  # one day: 3 days wide


@dataclass(frozen=True)
class _Plot:
    """The plotting area of a chart, in pixels from the bottom left."""

    left: float
    bottom: float
    right: float
    top: float

    def scale(self, xs: tuple[float, float], ys: tuple[float, float]) -> Affine2D:
        """From data (x: matplotlib date numbers) to pixels: `xs` and `ys` fill the area."""
        scale_x = (self.right - self.left) / (xs[1] - xs[0])
        scale_y = (self.top - self.bottom) / (ys[1] - ys[0])
        to_area = Affine2D().translate(-xs[0], -ys[0]).scale(scale_x, scale_y)
        return to_area.translate(self.left, self.bottom)


def _value_ticks(low: float, high: float, percent: bool) -> tuple[list[float], list[str]]:
    """4 or 5 round values that span the data with a little room, and their localized labels;
    the first and last are the ends of the value axis. A non-negative series starts at 0 when
    the room below it would cross 0."""
    pad = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
    bottom = 0.0 if 0 <= low < pad else low - pad
    locator = MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10])
    ticks = [float(t) for t in locator.tick_values(bottom, high + pad)]
    step = ticks[1] - ticks[0]
    decimals = max(0, -math.floor(math.log10(step)))
    return ticks, [_number(t, decimals) + ("%" if percent else "") for t in ticks]


def _grid(fig: Figure, plot: _Plot, ticks: list[float], labels: list[str], scale: Affine2D) -> None:
    """A horizontal line at each value tick, labelled at the left."""
    px, small = _px(fig), _small_text(fig)
    ys = [float(scale.transform((0, tick))[1]) for tick in ticks]
    segments = [[(plot.left, y), (plot.right, y)] for y in ys]
    fig.add_artist(LineCollection(segments, colors=LINE, linewidths=0.8, transform=px))
    for y, label in zip(ys, labels, strict=True):
        fig.text(plot.left - 6, y, label, ha="right", va="center_baseline", color=MUTED, **small)


def _date_ticks(fig: Figure, plot: _Plot, first: float, last: float, scale: Affine2D) -> None:
    """Date labels under the plot: days, months or years as the span needs, and the month or
    year they share at the right ("Mar 2024")."""
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    formatter = _DateFormatter(locator)
    days = [
        float(day)
        for day in locator.tick_values(mdates.num2date(first), mdates.num2date(last))
        if first <= day <= last
    ]
    small = _small_text(fig)
    for day, label in zip(days, formatter.format_ticks(days), strict=True):
        x = float(scale.transform((day, 0))[0])
        fig.text(x, plot.bottom - 8, label, ha="center", va="top", color=MUTED, **small)
    if offset := formatter.get_offset():
        fig.text(plot.right, plot.bottom - 22, offset, ha="right", va="top", color=MUTED, **small)


def _plot_line(fig: Figure, line: _Line, data: Transform) -> None:
    color = line.color
    fig.add_artist(
        Line2D(line.days, line.values, linestyle=_dash(line), color=color, transform=data)
    )
    # A value with no neighbour draws no line: mark it, or it would not show at all.
    if lonely := _lonely(line.values):
        days, values = [line.days[i] for i in lonely], [line.values[i] for i in lonely]
        dots = Line2D(
            days, values, marker="o", markersize=4, linestyle="", color=color, transform=data
        )
        fig.add_artist(dots)


def _lonely(values: tuple[float, ...]) -> list[int]:
    """The indexes of the values with no value on either side."""
    missing = [True, *(math.isnan(v) for v in values), True]
    return [i for i in range(len(values)) if not missing[i + 1] and missing[i] and missing[i + 2]]


def _dash(line: _Line) -> Literal["-", "--"]:
    return "--" if line.dashed else "-"


def _legend_columns(lines: tuple[_Line, ...], room: float) -> int:
    item = _widest([line.label for line in lines], FONT_SIZE - 1) + 40
    return max(1, min(len(lines), int(room // item)))


def _legend(fig: Figure, lines: tuple[_Line, ...], columns: int, left: float) -> None:
    """Under the plot, a key and a label per line, row by row, in equal columns."""
    px, small = _px(fig), _small_text(fig)
    item = _widest([line.label for line in lines], FONT_SIZE - 1) + 40
    rows = math.ceil(len(lines) / columns)
    for i, line in enumerate(lines):
        x = left + (i % columns) * item
        y = 8 + (rows - 1 - i // columns) * 16 + 5
        fig.add_artist(
            Line2D([x, x + 18], [y, y], linestyle=_dash(line), color=line.color, transform=px)
        )
        fig.text(x + 24, y, line.label, va="center_baseline", color=INK, **small)


_MONTH_MARK = re.compile(r"\{(\d\d)\}")


class _DateFormatter(mdates.ConciseDateFormatter):
    """ConciseDateFormatter with the month names of the active language.

    strftime's `%b` speaks the C locale, so the formats write `{%m}` and the month number is
    swapped for Django's translated abbreviation.
    """

    def __init__(self, locator: mdates.DateLocator) -> None:
        super().__init__(
            locator,
            formats=["%Y", "{%m}", "%d", "%H:%M", "%H:%M", "%S.%f"],
            zero_formats=["", "%Y", "{%m}", "%d {%m}", "%H:%M", "%H:%M"],
            offset_formats=["", "%Y", "{%m} %Y", "%d {%m} %Y", "%d {%m} %Y", "%d {%m} %Y %H:%M"],
        )

    def format_ticks(self, values: Any) -> list[str]:
        return [_months(label) for label in super().format_ticks(values)]

    def get_offset(self) -> str:
        return _months(super().get_offset())


def _months(text: str) -> str:
    return _MONTH_MARK.sub(lambda m: str(MONTHS_3[int(m[1])]).title(), text)


_EPOCH = date(1970, 1, 1).toordinal()  # matplotlib's date.epoch, fixed in _RC


def _day_number(day: date) -> float:
    number = float(day.toordinal() - _EPOCH)
    if isinstance(day, datetime):
        number += (day.hour * 3600 + day.minute * 60 + day.second) / 86400
    return number


# Bar charts.


def _draw_bars(
    fig: Figure,
    labels: tuple[str, ...],
    values: tuple[float, ...],
    texts: tuple[str, ...],
    title: str,
    horizontal: bool,
    color: str | None,
    size: tuple[int, int],
) -> None:
    names = [_short(label) for label in labels]
    draw = _horizontal_bars if horizontal else _vertical_bars
    boxes, zero_line = draw(fig, names, values, texts, size)
    px = _px(fig)
    fig.add_artist(
        PolyCollection(boxes, facecolors=color or BRAND, edgecolors="none", transform=px)
    )
    fig.add_artist(Line2D(*zero_line, color=AXIS, linewidth=0.8, transform=px))
    _title(fig, title)


Boxes = list[list[tuple[float, float]]]
ZeroLine = tuple[list[float], list[float]]


def _vertical_bars(
    fig: Figure,
    names: list[str],
    values: tuple[float, ...],
    texts: tuple[str, ...],
    size: tuple[int, int],
) -> tuple[Boxes, ZeroLine]:
    width, height = size
    small = _small_text(fig)
    longest = _widest(names, FONT_SIZE - 1)
    slot = (width - 28) / len(values)
    tilted = longest > slot - 4
    # A tilted label runs down to the left of its bar: the first one must not leave the chart.
    left = max(14.0, 0.82 * _text_width(names[0], FONT_SIZE - 1) - slot / 2 + 6) if tilted else 14.0
    slot = (width - 14 - left) / len(values)
    bottom = 0.6 * longest + 20 if tilted else 28.0
    top = height - 40.0
    zero, per_unit = _value_axis(values, bottom, top - bottom, room=16)
    tilt: dict[str, Any] = {"ha": "center"}
    if tilted:
        tilt = {"ha": "right", "rotation": 35, "rotation_mode": "anchor"}
    boxes = []
    for i, (name, value, text) in enumerate(zip(names, values, texts, strict=True)):
        centre, end = left + (i + 0.5) * slot, zero + value * per_unit
        boxes.append(_box(centre - 0.35 * slot, min(zero, end), 0.7 * slot, abs(end - zero)))
        y, va = (end - 3, "top") if value < 0 else (end + 3, "bottom")
        fig.text(centre, y, text, ha="center", va=va, color=INK, **small)
        fig.text(centre, bottom - 8, name, va="top", color=MUTED, **tilt, **small)
    return boxes, ([left, width - 14.0], [zero, zero])


def _horizontal_bars(
    fig: Figure,
    names: list[str],
    values: tuple[float, ...],
    texts: tuple[str, ...],
    size: tuple[int, int],
) -> tuple[Boxes, ZeroLine]:
    width, height = size
    small = _small_text(fig)
    top, bottom = height - 40.0, 8.0
    row = (top - bottom) / len(values)
    left = min(_widest(names, FONT_SIZE - 1) + 16, width * 0.45)
    room = _widest(texts, FONT_SIZE - 1) + 6
    zero, per_unit = _value_axis(values, left, width - 12 - left, room=room)
    boxes = []
    for i, (name, value, text) in enumerate(zip(names, values, texts, strict=True)):
        centre, end = top - (i + 0.5) * row, zero + value * per_unit
        boxes.append(_box(min(zero, end), centre - 0.35 * row, abs(end - zero), 0.7 * row))
        fig.text(left - 8, centre, name, ha="right", va="center_baseline", color=MUTED, **small)
        x, ha = (end - 3, "right") if value < 0 else (end + 3, "left")
        fig.text(x, centre, text, ha=ha, va="center_baseline", color=INK, **small)
    return boxes, ([zero, zero], [bottom, top])


def _small_text(fig: Figure) -> dict[str, Any]:
    """The style of labels placed in pixels: one point smaller than the body text."""
    return {"fontsize": FONT_SIZE - 1, "transform": _px(fig)}


def _value_axis(
    values: tuple[float, ...], start: float, length: float, *, room: float
) -> tuple[float, float]:
    """Where 0 falls on a span of pixels and the pixels per unit, leaving `room` beyond the
    ends of the bars for their labels (a None bar is 0 long and labelled on the plus side)."""
    low, high = min(0.0, *values), max(0.0, *values)
    room_low = room if low < 0 else 0.0
    room_high = room if high > 0 or low == 0 else 0.0
    per_unit = (length - room_low - room_high) / ((high - low) or 1.0)
    return start + room_low - low * per_unit, per_unit


def _bar_size(count: int, horizontal: bool) -> tuple[int, int]:
    return (640, 48 + 26 * max(count, 1)) if horizontal else (640, 260)


# Heatmaps.

_CELLS_ID = "heatmap-cells"


def _draw_heatmap(
    fig: Figure,
    values: tuple[float, ...],
    row_labels: tuple[str, ...],
    col_labels: tuple[str, ...],
    title: str,
    low: tuple[float, str],
    high: tuple[float, str],
    size: tuple[int, int],
) -> None:
    """Cells, labels and colour bar placed in pixels (y grows upwards: row 0 is at the top)."""
    width, height = size
    rows, columns = len(row_labels), len(col_labels)
    scale_width = _widest([low[1], high[1]], FONT_SIZE - 2) + 34
    left = _widest(row_labels, FONT_SIZE - 1) + 22
    top, bottom = 40, 24
    cell_w = (width - left - scale_width) / columns
    cell_h = (height - top - bottom) / rows
    norm = Normalize(low[0], high[0]) if high[0] > low[0] else Normalize(low[0] - 1, high[0] + 1)
    array = np.array(values)
    colors = HEATMAP_CMAP(norm(array))
    colors[np.isnan(array)] = to_rgba(BACKGROUND)
    boxes = [
        _box(left + c * cell_w, height - top - (r + 1) * cell_h, cell_w, cell_h, gap=1.5)
        for r in range(rows)
        for c in range(columns)
    ]
    # One collection, not 168 patches: drawn in this row-major order, one <path> per cell,
    # which is how _add_cell_tips finds each cell's tooltip.
    px = _px(fig)
    cells = PolyCollection(boxes, facecolors=colors, edgecolors="none", transform=px)
    cells.set_gid(_CELLS_ID)
    fig.add_artist(cells)
    label = {**_small_text(fig), "color": MUTED}
    for r, name in enumerate(row_labels):
        y = height - top - (r + 0.5) * cell_h
        fig.text(left - 6, y, name, ha="right", va="center_baseline", **label)
    for c in range(0, columns, math.ceil(columns / 12)):  # at most 12: 24 hours, every 2nd
        fig.text(
            left + (c + 0.5) * cell_w, bottom - 6, col_labels[c], ha="center", va="top", **label
        )
    _colorbar(fig, low[1], high[1], x=width - scale_width + 10, bottom=bottom, top=height - top)
    _title(fig, title)


def _colorbar(fig: Figure, low: str, high: str, *, x: float, bottom: float, top: float) -> None:
    """The colour scale as a strip of the colormap's steps, labelled at its two ends."""
    steps = HEATMAP_CMAP.N
    step = (top - bottom) / steps
    boxes = [_box(x, bottom + i * step, 10, step) for i in range(steps)]
    colors = HEATMAP_CMAP(np.linspace(0, 1, steps))
    px = _px(fig)
    fig.add_artist(PolyCollection(boxes, facecolors=colors, edgecolors="none", transform=px))
    label: dict[str, Any] = {"fontsize": FONT_SIZE - 2, "color": MUTED, "transform": px}
    fig.text(x + 14, bottom + step / 2, low, va="center_baseline", **label)
    fig.text(x + 14, top - step / 2, high, va="center_baseline", **label)


def _ends(value_format: ValueFormat, values: list[float]) -> tuple[tuple[float, str], ...]:
    """The lowest and highest value, each with its label."""
    found = [v for v in values if not math.isnan(v)]
    return tuple((v, _format(value_format, v)) for v in (min(found), max(found)))


def _cell_tips(
    values: list[float],
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    counts: Sequence[Sequence[int]] | None,
    value_format: ValueFormat,
) -> tuple[str, ...]:
    """Each cell's tooltip, escaped, in row-major order."""
    tips = []
    for i, value in enumerate(values):
        r, c = divmod(i, len(col_labels))
        where = {"row": row_labels[r], "col": col_labels[c]}
        if math.isnan(value):
            tip = _("%(row)s %(col)s: no data") % where
        elif counts is None:
            tip = _("%(row)s %(col)s: %(value)s") % {**where, "value": _format(value_format, value)}
        else:
            tip = _("%(row)s %(col)s: %(value)s (n = %(count)s)") % {
                **where,
                "value": _format(value_format, value),
                "count": _number(counts[r][c], 0),
            }
        tips.append(escape(tip))
    return tuple(tips)


_PATH = re.compile(r"<path ([^>]*)/>")


def _add_cell_tips(svg: str, tips: tuple[str, ...]) -> str:
    """Each cell's <path> of the cells' group gets its <title>; the group loses its id."""
    opening = f'<g id="{_CELLS_ID}">'
    start = svg.index(opening)
    end = svg.index("</g>", start)
    cells = _PATH.findall(svg, start, end)
    if len(cells) != len(tips):
        raise RuntimeError(f"heatmap drew {len(cells)} cells for {len(tips)} values.")
    tip = iter(tips)
    group = _PATH.sub(lambda m: f"<path {m[1]}><title>{next(tip)}</title></path>", svg[start:end])
    return svg[:start] + "<g>" + group[len(opening) :] + svg[end:]


def _check_grid(
    name: str, grid: Sequence[Sequence[Any]], rows: Sequence[str], cols: Sequence[str]
) -> None:
    if not rows or not cols:
        raise ValueError("heatmap needs at least one row label and one column label.")
    if len(grid) != len(rows) or any(len(row) != len(cols) for row in grid):
        raise ValueError(
            f"heatmap {name} must have {len(rows)} rows of {len(cols)} cells, one per label."
        )


# Sparklines.


def _draw_sparkline(
    fig: Figure, values: tuple[float, ...], color: str, size: tuple[int, int]
) -> None:
    """A line through the values, the area under it tinted, a dot on the last one."""
    width, height = size
    pad = 4.0
    drawn = [i for i, v in enumerate(values) if not math.isnan(v)]
    low, high = min(values[i] for i in drawn), max(values[i] for i in drawn)
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    xs = [pad + i * step for i in range(len(values))] if len(values) > 1 else [width / 2]
    if high > low:
        ys = [pad + (v - low) / (high - low) * (height - 2 * pad) for v in values]
    else:
        ys = [height / 2 if not math.isnan(v) else math.nan for v in values]
    px = _px(fig)
    areas = [
        [(xs[run[0]], pad), *((xs[i], ys[i]) for i in run), (xs[run[-1]], pad)]
        for run in _runs(drawn)
        if len(run) > 1
    ]
    style: dict[str, Any] = {"color": color, "transform": px}
    fig.add_artist(
        PolyCollection(areas, facecolors=color, alpha=0.12, edgecolors="none", transform=px)
    )
    fig.add_artist(Line2D(xs, ys, linewidth=1.5, **style))
    fig.add_artist(Line2D([xs[drawn[-1]]], [ys[drawn[-1]]], marker="o", markersize=3, **style))


def _runs(indexes: list[int]) -> list[list[int]]:
    """Consecutive indexes grouped: [1, 2, 4] → [[1, 2], [4]]."""
    runs: list[list[int]] = []
    for i in indexes:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


# Shared layout and number helpers.


def _px(fig: Figure) -> Transform:
    """Figure pixels (the viewBox's units, 1/72 inch), from the bottom left, at any dpi."""
    return Affine2D().scale(1 / 72) + fig.dpi_scale_trans


def _box(
    x: float, y: float, width: float, height: float, gap: float = 0.0
) -> list[tuple[float, float]]:
    """A rectangle's corners, shrunk by `gap` pixels on each side."""
    x0, y0, x1, y1 = x + gap, y + gap, x + width - gap, y + height - gap
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _title(fig: Figure, title: str) -> None:
    width, height = fig.get_size_inches() * 72
    fig.text(
        14 / width,
        1 - 12 / height,
        title,
        fontsize=FONT_SIZE + 2,
        fontweight="bold",
        color=INK,
        va="top",
    )


def _number(value: float, decimals: int) -> str:
    # Django's number_format truncates floats, so round first; + 0.0 turns -0.0 into 0.0.
    return number_format(round(value, decimals) + 0.0, decimals, force_grouping=True)


def _format(value_format: ValueFormat, value: float) -> str:
    return value_format.format(value) if isinstance(value_format, str) else value_format(value)


def _widest(texts: Sequence[str], font_size: float) -> float:
    return max(_text_width(text, font_size) for text in texts)


def _text_width(text: str, font_size: float) -> float:
    """How wide matplotlib lays `text` out, near enough to size margins (no kerning)."""
    return sum(_advance(char) for char in text) * font_size


@functools.lru_cache(maxsize=4096)
def _advance(char: str) -> float:
    """A character's advance in the layout font, in em; 1 em for one it lacks (CJK, emoji),
    which the browser draws from another font."""
    font = get_font(findfont(FontProperties(family=["DejaVu Sans"])))  # one per thread
    if not font.get_char_index(ord(char)):
        return 1.0
    font.set_size(64, 72)
    return font.load_char(ord(char), flags=LoadFlags.NO_HINTING).linearHoriAdvance / 65536 / 64


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _or_nan(value: float | None) -> float:
    return float(value) if value is not None and math.isfinite(value) else math.nan


def _or_zero(value: float | None) -> float:
    return float(value) if value is not None and math.isfinite(value) else 0.0


def _contrast_with_white(color: str) -> float:
    """The WCAG contrast ratio of a colour against white."""

    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in to_rgb(color))
    return 1.05 / (0.2126 * red + 0.7152 * green + 0.0722 * blue + 0.05)


# Rendering, caching, and turning matplotlib's SVG file into an element for a page.

# matplotlib is not thread-safe and rc_context changes the process-wide rcParams: one render
# at a time per process (https://matplotlib.org/stable/users/faq.html#work-with-threads).
_LOCK = threading.Lock()
_RC: dict[Any, Any] = {
    "svg.fonttype": "none",
    # Layout is measured with the font that ships with matplotlib, the same on every machine;
    # the SVG names the app's fonts instead (_LAYOUT_FONT), which are no wider.
    "font.family": ["sans-serif"],
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": FONT_SIZE,
    "text.color": INK,
    "text.usetex": False,
    "text.parse_math": False,  # labels are user text: "$5 off $10" is not a formula
    "lines.linewidth": 1.8,
    "lines.solid_joinstyle": "round",
    "lines.solid_capstyle": "round",
    "lines.dash_capstyle": "round",
    "figure.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.edgecolor": "none",
    # Drop the points that move a line by less than half a pixel: a 2-year daily series
    # takes a third of the bytes and looks the same.
    "path.simplify": True,
    "path.simplify_threshold": 0.5,
    "date.epoch": "1970-01-01T00:00:00",
}
_LAYOUT_FONT = "'DejaVu Sans', sans-serif"  # as matplotlib writes it, swapped for FONT_STACK
_NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
_SIZE = re.compile(r' (?:width|height)="[^"]*"')
# matplotlib names every group (figure_1, axes_1, text_3…): the same names in every chart of
# a page would be duplicate ids. Only the hashed ids (clip paths, markers) are referred to.
# (Collections' shared paths are "C<n>_<n>_<hash>", hashed ids have no "_".)
_GROUP_ID = re.compile(r' id="(?!C[0-9a-f]+_[0-9a-f]+_)[A-Za-z][\w.]*_\d+"')


class _Cache:
    """A small LRU of rendered SVG by input digest, safe to share between threads."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, SafeString] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> SafeString | None:
        with self._lock:
            svg = self._items.get(key)
            if svg is not None:
                self._items.move_to_end(key)
            return svg

    def put(self, key: str, svg: SafeString) -> None:
        with self._lock:
            self._items[key] = svg
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_CACHE = _Cache(CACHE_SIZE)


def _cached(
    kind: str,
    args: tuple[Any, ...],
    title: str,
    size: tuple[int, int],
    draw: Callable[[Figure], None],
    finish: Callable[[str], str] | None = None,
) -> SafeString:
    key = _digest(kind, (*args, size))
    svg = _CACHE.get(key)
    if svg is None:
        svg = _render(kind, title, size, draw, finish, salt=key)
        _CACHE.put(key, svg)
    return svg


def _digest(kind: str, args: tuple[Any, ...]) -> str:
    """A fingerprint of all the SVG depends on: the drawn data, texts already formatted, and
    the language (month names)."""
    data = pickle.dumps((kind, args, get_language()), protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _render(
    kind: str,
    title: str,
    size: tuple[int, int],
    draw: Callable[[Figure], None],
    finish: Callable[[str], str] | None,
    *,
    salt: str,
) -> SafeString:
    buffer = io.StringIO()
    # The salt seeds the ids of clip paths and markers: distinct charts on a page get
    # distinct ids, and the same chart the same ones.
    with _LOCK, mpl.rc_context({**_RC, "svg.hashsalt": salt}):
        _ignore_missing_glyphs()
        fig = Figure(figsize=(size[0] / 72, size[1] / 72), dpi=72)
        FigureCanvasSVG(fig)
        draw(fig)
        for patch in (fig.patch, *(ax.patch for ax in fig.axes)):
            patch.set_visible(False)  # transparent backgrounds, not drawn at all
        fig.savefig(buffer, format="svg", metadata=_NO_METADATA)
    svg = buffer.getvalue()
    return _inline(finish(svg) if finish else svg, kind, title)


def _ignore_missing_glyphs() -> None:
    """An emoji or a CJK character in a label is missing from the layout font and matplotlib
    warns; the browser draws it from a font that has it. Added at each render, not once: test
    runners and `catch_warnings` reset the filters (adding it again is a no-op otherwise)."""
    warnings.filterwarnings(
        "ignore", r"Glyph \d+ .* missing from font", UserWarning, re.escape(__name__)
    )


def _inline(svg: str, kind: str, title: str) -> SafeString:
    """matplotlib's SVG file as an element for a page (see the module docstring)."""
    svg = svg[svg.index("<svg") :]
    end = svg.index(">")
    head = _SIZE.sub("", svg[:end]) + f' width="100%" class="chart chart-{kind}"'
    if title:
        head += f' role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    else:
        head += ' aria-hidden="true">'  # decorative: the text around it says it in words
    svg = _GROUP_ID.sub("", head + svg[end + 1 :]).replace(_LAYOUT_FONT, FONT_STACK)
    return mark_safe(svg.rstrip())


def _no_data(title: str, size: tuple[int, int]) -> SafeString:
    """The chart's box with its title and a note that the period has nothing to show."""
    width, height = size
    title, note = escape(title), escape(_("No data for this period"))
    font = f"font-family: {FONT_STACK}"
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%"'
        f' class="chart chart-empty" role="img" aria-label="{title}: {note}">'
        f"<title>{title}</title>"
        f'<text x="14" y="25" style="font-size: 13px; font-weight: 700; {font}; fill: {INK}">'
        f"{title}</text>"
        f'<text x="{width / 2:g}" y="{height / 2 + 4:g}" text-anchor="middle"'
        f' style="font-size: 12px; {font}; fill: {MUTED}">{note}</text></svg>'
    )


def _no_data_sparkline(size: tuple[int, int]) -> SafeString:
    """A dashed baseline: a KPI card has no room for words, the tooltip says it."""
    width, height = size
    note = escape(_("No data for this period"))
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%"'
        f' class="chart chart-sparkline chart-empty" role="img" aria-label="{note}">'
        f"<title>{note}</title>"
        f'<line x1="2" y1="{height / 2:g}" x2="{width - 2}" y2="{height / 2:g}"'
        f' stroke="{LINE}" stroke-width="1.5" stroke-dasharray="3 3"/></svg>'
    )
