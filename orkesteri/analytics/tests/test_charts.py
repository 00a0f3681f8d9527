"""analytics/charts.py: inline SVG that parses, keeps its text, escapes it, and never varies.

No test here measures time (DESIGN.md §8): bench/charts.py does.
"""

from __future__ import annotations

import re
import threading
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta

import pytest
from django.utils import translation

from orkesteri.analytics import charts
from orkesteri.analytics.charts import Series, bar_chart, heatmap, line_chart, sparkline

SVG = "{http://www.w3.org/2000/svg}"
NASTY = "<script>&\"'"
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
HOURS = [f"{h:02d}" for h in range(24)]
START = date(2024, 1, 1)


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    charts.clear_cache()
    yield
    charts.clear_cache()


def days(
    count: int, value: Callable[[int], float | None] = float
) -> list[tuple[date, float | None]]:
    return [(START + timedelta(days=i), value(i)) for i in range(count)]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(svg: str) -> list[str]:
    """Every piece of text in the SVG: <text> elements and <title> tooltips."""
    root = parse(svg)
    return [el.text or "" for el in root.iter() if el.tag in (f"{SVG}text", f"{SVG}title")]


def grid(value: Callable[[int, int], float | None]) -> list[list[float | None]]:
    return [[value(r, c) for c in range(24)] for r in range(7)]


def every_chart(label: str = "Label", title: str = "Title") -> dict[str, str]:
    """One chart of each kind that shows `label` somewhere and is called `title`."""
    return {
        "line": line_chart(
            [Series(label, days(30)), Series("other", days(30, lambda i: i * 2.0))], title=title
        ),
        "bar": bar_chart([label, "b"], [1.0, 2.0], title=title, value_format="{:.1f}"),
        "hbar": bar_chart(
            [label, "b"], [1.0, 2.0], title=title, value_format="{:.1f}", horizontal=True
        ),
        "heatmap": heatmap(
            grid(lambda r, c: r + c / 10),
            row_labels=[label, *WEEKDAYS[1:]],
            col_labels=HOURS,
            title=title,
        ),
        "sparkline": sparkline([1.0, 3.0, 2.0], label=title),
    }


# Inline, responsive, accessible.


@pytest.mark.parametrize("kind", ["line", "bar", "hbar", "heatmap", "sparkline"])
def test_it_returns_an_svg_element_for_a_page(kind: str) -> None:
    svg = every_chart(title="Followers")[kind]
    root = parse(svg)
    assert root.tag == f"{SVG}svg"
    assert not svg.startswith("<?xml") and "<!DOCTYPE" not in svg
    assert root.get("width") == "100%" and root.get("height") is None
    assert re.fullmatch(r"0 0 \d+(\.\d+)? \d+(\.\d+)?", root.get("viewBox", ""))
    assert root.get("role") == "img"
    assert root.get("aria-label") == "Followers"
    assert root[0].tag == f"{SVG}title" and root[0].text == "Followers"
    assert f"chart-{'bar' if kind == 'hbar' else kind}" in root.get("class", "")


@pytest.mark.parametrize("kind", ["line", "bar", "hbar", "heatmap", "sparkline"])
def test_it_is_vector_only_and_names_the_app_fonts(kind: str) -> None:
    svg = every_chart()[kind]
    assert "<image" not in svg  # nothing rasterized (that would go through Agg)
    assert "DejaVu" not in svg
    if kind != "sparkline":  # a sparkline has no text
        assert "font-family: system-ui, -apple-system, 'Segoe UI', Roboto" in svg


@pytest.mark.parametrize("kind", ["line", "bar", "hbar", "heatmap", "sparkline"])
def test_it_leaves_no_matplotlib_group_ids_to_clash_between_charts(kind: str) -> None:
    svg = every_chart()[kind]
    for i in re.findall(r' id="([^"]+)"', svg):
        assert f"#{i}" in svg  # only the ids that something refers to (markers) remain


def test_two_different_charts_have_different_ids() -> None:
    first = line_chart([Series("a", [(START, 1.0)])], title="A")  # a dot: a marker <defs>
    second = line_chart([Series("b", [(START, 1.0)])], title="B")
    first_ids = set(re.findall(r' id="([^"]+)"', first))
    assert first_ids and not first_ids & set(re.findall(r' id="([^"]+)"', second))


@pytest.mark.parametrize("kind", ["line", "bar", "hbar", "heatmap"])
def test_title_and_labels_stay_text(kind: str) -> None:
    found = texts(every_chart(label="Bluesky main", title="Engagement by day")[kind])
    assert "Engagement by day" in found
    assert any("Bluesky main" in text for text in found)


@pytest.mark.parametrize("kind", ["line", "bar", "hbar", "heatmap", "sparkline"])
def test_it_escapes_labels_and_titles(kind: str) -> None:
    svg = every_chart(label=NASTY, title=f"Title {NASTY}")[kind]
    assert "<script>" not in svg
    found = texts(svg)  # parses: nothing broke out of its element or attribute
    assert f"Title {NASTY}" in found
    assert parse(svg).get("aria-label") == f"Title {NASTY}"
    if kind != "sparkline":
        assert any(NASTY in text for text in found)


@pytest.mark.parametrize("kind", ["line", "bar", "hbar", "heatmap"])
def test_dollar_signs_are_not_math(kind: str) -> None:
    found = texts(every_chart(label="$5 off $10", title="Sales $x$")[kind])
    assert "Sales $x$" in found
    assert any("$5 off $10" in text for text in found)


# Deterministic, cached.


@pytest.mark.parametrize("kind", ["line", "bar", "hbar", "heatmap", "sparkline"])
def test_the_same_input_gives_the_same_bytes(kind: str) -> None:
    first = every_chart()[kind]
    charts.clear_cache()
    assert every_chart()[kind] == first


def test_a_second_render_comes_from_the_cache() -> None:
    first = line_chart([Series("a", days(30))], title="A")
    assert line_chart([Series("a", days(30))], title="A") is first
    assert line_chart([Series("a", days(31))], title="A") != first


def test_renders_in_many_threads_match_renders_in_one() -> None:
    def render(i: int) -> str:
        return line_chart([Series(f"s{i}", days(60, lambda d: float(d * i)))], title=f"T{i}")

    expected = [render(i) for i in range(6)]
    charts.clear_cache()
    results: dict[int, str] = {}

    def work(i: int) -> None:
        results[i] = render(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[i] for i in range(6)] == expected


# Empty data.


@pytest.mark.parametrize(
    "render",
    [
        lambda: line_chart([], title="Followers"),
        lambda: line_chart([Series("a", [])], title="Followers"),
        lambda: line_chart([Series("a", days(10, lambda i: None))], title="Followers"),
        lambda: line_chart([Series("a", days(3, lambda i: float("nan")))], title="Followers"),
        lambda: bar_chart([], [], title="Followers", value_format="{}"),
        lambda: bar_chart(["a", "b"], [None, None], title="Followers", value_format="{}"),
        lambda: heatmap(
            grid(lambda r, c: None), row_labels=WEEKDAYS, col_labels=HOURS, title="Followers"
        ),
    ],
)
def test_empty_data_says_so(render: Callable[[], str]) -> None:
    svg = render()
    root = parse(svg)
    assert "No data for this period" in texts(svg)
    assert "Followers" in texts(svg)
    assert root.get("width") == "100%" and root.get("role") == "img"


@pytest.mark.parametrize("values", [[], [None, None]])
def test_an_empty_sparkline_is_a_baseline_with_a_tooltip(values: list[float | None]) -> None:
    svg = sparkline(values)
    assert texts(svg) == ["No data for this period"]
    assert parse(svg).find(f"{SVG}line") is not None


# Line charts.


def line_paths(svg: str, color: str) -> list[str]:
    """The `d` of each drawn line of one colour (1.8 wide: not a grid line or a legend key)."""
    root = parse(svg)
    return [
        el.get("d", "")
        for el in root.iter(f"{SVG}path")
        if f"stroke: {color}" in el.get("style", "") and "stroke-width: 1.8" in el.get("style", "")
    ]


def dots(svg: str, color: str) -> int:
    """How many round markers of one colour are drawn."""
    uses = parse(svg).iter(f"{SVG}use")
    return sum(f"fill: {color}; stroke: {color}" in el.get("style", "") for el in uses)


def test_a_gap_breaks_the_line() -> None:
    svg = line_chart([Series("a", days(20, lambda i: None if i == 10 else float(i)))], title="T")
    (path, *_legend_key) = line_paths(svg, charts.PALETTE[0])
    assert path.count("M ") == 2


def test_a_single_point_is_drawn_as_a_dot() -> None:
    svg = line_chart([Series("Only", [(START, 42.0)])], title="One day")
    assert dots(svg, charts.PALETTE[0]) == 1
    assert "One day" in texts(svg)


def test_a_point_between_gaps_is_drawn_as_a_dot() -> None:
    values = [1.0, 2.0, None, 5.0, None, 3.0, 4.0]
    svg = line_chart([Series("a", days(7, lambda i: values[i]))], title="T")
    assert dots(svg, charts.PALETTE[0]) == 1


def test_points_may_come_unsorted_and_as_datetimes() -> None:
    points = [
        (datetime(2024, 1, 3, 12), 3.0),
        (datetime(2024, 1, 1, 8), 1.0),
        (datetime(2024, 1, 2), 2.0),
    ]
    (path,) = line_paths(line_chart([Series("a", points)], title="T"), charts.PALETTE[0])
    xs = [float(x) for x in re.findall(r"[ML] ([\d.]+) ", path)]
    assert xs == sorted(xs) and len(xs) == 3


def test_one_series_has_no_legend_and_several_have_one() -> None:
    assert "Bluesky" not in texts(line_chart([Series("Bluesky", days(9))], title="T"))
    found = texts(line_chart([Series("Bluesky", days(9)), Series("Mastodon", days(9))], title="T"))
    assert "Bluesky" in found and "Mastodon" in found


def test_series_colours_follow_the_brand_and_the_palette() -> None:
    series = [Series("a", days(9)), Series("b", days(9)), Series("c", days(9), color="#123456")]
    svg = line_chart(series, title="T", brand="#0f766e")
    assert line_paths(svg, "#0f766e") and line_paths(svg, charts.PALETTE[0])
    assert line_paths(svg, "#123456")


def test_a_ninth_series_is_dashed() -> None:
    series = [
        Series(f"s{i}", [(START + timedelta(days=d), float(d + i)) for d in range(9)])
        for i in range(9)
    ]
    svg = line_chart(series, title="T")
    dashed = [
        el for el in parse(svg).iter(f"{SVG}path") if "stroke-dasharray" in el.get("style", "")
    ]
    assert dashed and all(f"stroke: {charts.PALETTE[0]}" in el.get("style", "") for el in dashed)


@pytest.mark.parametrize(
    ("count", "expected"),
    [(7, ["02", "03", "04"]), (90, ["Feb", "Mar"]), (730, ["2024", "2025"])],
)
def test_date_ticks_suit_the_range(count: int, expected: list[str]) -> None:
    root = parse(line_chart([Series("a", days(count))], title="T"))
    labels = [(el.text, round(float(el.get("y", 0)))) for el in root.iter(f"{SVG}text")]
    baseline = dict(labels)[expected[0]]
    ticks = [text for text, y in labels if y == baseline]  # x tick labels share a baseline
    assert set(expected) <= set(ticks)
    assert 3 <= len(ticks) <= 8


def test_month_names_follow_the_language() -> None:
    with translation.override("ru"):
        found = texts(line_chart([Series("a", days(90))], title="T"))
    assert "Фев" in found and "Feb" not in found


def test_numbers_follow_the_language() -> None:
    series = [Series("a", days(9, lambda i: 10_000.0 + 1_000 * i))]
    with translation.override("fi"):
        finnish = texts(line_chart(series, title="T"))
    english = texts(line_chart(series, title="T"))
    assert any(re.fullmatch(r"1\d,\d{3}", t) for t in english)
    assert any(re.fullmatch(r"1\d\xa0\d{3}", t) for t in finnish)


def test_a_percent_axis_shows_percentages() -> None:
    found = texts(line_chart([Series("ER", days(9, lambda i: i / 2))], title="T", percent=True))
    assert "0%" in found and any(re.fullmatch(r"[\d.]+%", t) for t in found if t != "0%")


def test_non_negative_values_do_not_show_a_negative_axis() -> None:
    found = texts(line_chart([Series("a", days(9, lambda i: float(i % 2)))], title="T"))
    assert not [t for t in found if t.startswith(("-", "−"))]


def test_long_labels_are_cut_with_an_ellipsis() -> None:
    label = "A channel with a name far too long to fit a legend"
    found = texts(line_chart([Series(label, days(9)), Series("b", days(9))], title="T"))
    assert label not in found
    assert any(t.endswith("…") and label.startswith(t[:-1]) for t in found)


# Bar charts.


def test_bars_are_labelled_with_their_values_and_a_dash_for_none() -> None:
    found = texts(
        bar_chart(WEEKDAYS, [1.25, None, 3, 0, 2, 1, 0.5], title="T", value_format="{:.1f}%")
    )
    for label in [*WEEKDAYS, "1.2%", "3.0%", "0.0%", "–"]:
        assert label in found


def test_a_value_format_may_be_a_function() -> None:
    found = texts(bar_chart(["a"], [1234.5], title="T", value_format=lambda v: f"≈{v:,.0f}"))
    assert "≈1,234" in found or "≈1,235" in found


def test_negative_bars_are_drawn() -> None:
    found = texts(bar_chart(["up", "down"], [5.0, -3.0], title="T", value_format="{:+.0f}"))
    assert "+5" in found and "-3" in found


def test_many_horizontal_bars_make_a_taller_chart() -> None:
    def height(count: int) -> float:
        labels = [f"#tag{i}" for i in range(count)]
        svg = bar_chart(labels, list(range(count)), title="T", value_format="{}", horizontal=True)
        return float(parse(svg).get("viewBox", "").split()[3])

    assert height(20) > 2 * height(2)


def test_bar_labels_in_a_script_the_layout_font_lacks_render_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.filterwarnings("error", append=True)  # after charts' own, narrower filter
        svg = bar_chart(["🚀 Launch", "日本語"], [1, 2], title="🎉", value_format="{}")
    assert "🚀 Launch" in texts(svg) and "日本語" in texts(svg)


def test_labels_and_values_must_pair_up() -> None:
    with pytest.raises(ValueError, match="2 labels but 3 values"):
        bar_chart(["a", "b"], [1, 2, 3], title="T", value_format="{}")


# Heatmaps.


def cell_tips(svg: str) -> list[str]:
    root = parse(svg)
    return [
        title.text or ""
        for path in root.iter(f"{SVG}path")
        for title in path.findall(f"{SVG}title")
    ]


def test_a_week_of_hours_has_168_cells_each_with_a_tooltip() -> None:
    counts = [[r * 24 + c for c in range(24)] for r in range(7)]
    svg = heatmap(
        grid(lambda r, c: r + c / 100),
        row_labels=WEEKDAYS,
        col_labels=HOURS,
        title="Best time",
        counts=counts,
        value_format="{:.2f}%",
    )
    tips = cell_tips(svg)
    assert len(tips) == 7 * 24
    assert tips[0] == "Mon 00: 0.00% (n = 0)"
    assert tips[24 * 2 + 14] == "Wed 14: 2.14% (n = 62)"
    assert tips[-1] == "Sun 23: 6.23% (n = 167)"


def test_blank_cells_say_they_have_no_data() -> None:
    svg = heatmap(
        grid(lambda r, c: None if (r, c) == (1, 5) else 1.0 + c),
        row_labels=WEEKDAYS,
        col_labels=HOURS,
        title="T",
    )
    tips = cell_tips(svg)
    assert tips[24 + 5] == "Tue 05: no data"
    assert tips[24 + 6] == "Tue 06: 7.00"


def test_the_colour_bar_is_labelled_with_the_lowest_and_highest_values() -> None:
    found = texts(
        heatmap(grid(lambda r, c: 0.5 + r * c), row_labels=WEEKDAYS, col_labels=HOURS, title="T")
    )
    assert "0.50" in found and f"{0.5 + 6 * 23:.2f}" in found


def test_a_heatmap_of_one_value_everywhere_renders() -> None:
    svg = heatmap(grid(lambda r, c: 2.0), row_labels=WEEKDAYS, col_labels=HOURS, title="T")
    assert len(cell_tips(svg)) == 168


def test_cell_tooltips_are_escaped() -> None:
    svg = heatmap(
        [[1.0, 2.0]], row_labels=[NASTY], col_labels=["a", "b"], title="T", value_format="{:.0f}"
    )
    assert cell_tips(svg) == [f"{NASTY} a: 1", f"{NASTY} b: 2"]


def test_a_matrix_must_match_its_labels() -> None:
    with pytest.raises(ValueError, match="matrix must have 7 rows of 24 cells"):
        heatmap(grid(lambda r, c: 1.0)[:6], row_labels=WEEKDAYS, col_labels=HOURS, title="T")
    with pytest.raises(ValueError, match="counts must have 7 rows of 24 cells"):
        heatmap(
            grid(lambda r, c: 1.0),
            row_labels=WEEKDAYS,
            col_labels=HOURS,
            title="T",
            counts=[[1] * 23] * 7,
        )


# Sparklines.


def test_a_sparkline_without_a_label_is_decorative() -> None:
    root = parse(sparkline([1.0, None, 2.0, 3.0]))
    assert root.get("aria-hidden") == "true"
    assert root.get("role") is None and root.find(f"{SVG}title") is None
    assert root.get("viewBox") == "0 0 120 32"


def test_a_sparkline_of_one_value_is_a_dot() -> None:
    svg = sparkline([5.0], label="Followers")
    assert dots(svg, charts.BRAND) == 1 and parse(svg).get("aria-label") == "Followers"


def test_infinities_and_nan_count_as_missing() -> None:
    inf, nan = float("inf"), float("nan")
    assert sparkline([1.0, inf, 2.0]) == sparkline([1.0, None, 2.0])
    bars = bar_chart(["a", "b"], [nan, 1.0], title="T", value_format="{}")
    assert bars == bar_chart(["a", "b"], [None, 1.0], title="T", value_format="{}")
    assert "–" in texts(bars)


# Palette.


def test_the_palette_reads_on_white() -> None:
    assert len(charts.PALETTE) == 8
    for color in charts.PALETTE:
        assert charts._contrast_with_white(color) >= 3, color


def test_the_brand_colour_comes_first_unless_it_is_too_pale() -> None:
    assert charts.palette("#0F766E")[:2] == ["#0f766e", charts.PALETTE[0]]
    assert charts.palette(charts.BRAND) == list(charts.PALETTE)
    assert charts.palette("#fde68a") == list(charts.PALETTE)
    assert charts.palette(None) == list(charts.PALETTE)
