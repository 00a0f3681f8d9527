"""Bluesky rich text against ../shared/conformance/bluesky (see the README there)."""

from __future__ import annotations

from typing import Any

import pytest

from orkesteri.lib.text.bluesky import detect_facets, measure_bluesky
from orkesteri.lib.text.tests import conformance
from orkesteri.lib.text.tests.conformance import json_cases
from orkesteri.lib.text.units import (
    from_utf16_code_units,
    grapheme_count,
    utf8_length,
    utf8_slice,
    utf16_to_utf8,
)


def cases(name: str) -> list[Any]:
    return json_cases("bluesky", name)


def require(case: dict[str, Any] | None) -> dict[str, Any]:
    return conformance.require(case, "bluesky")


def expected_value(facet: dict[str, Any]) -> str:
    # Mentions are compared by handle: the DID is resolved later by the adapter.
    return facet.get("handle") or facet.get("uri") or facet["tag"]


@pytest.mark.parametrize("case", cases("richtext-detection.json"))
def test_it_detects_facets(case: dict[str, Any] | None) -> None:
    case = require(case)
    facets = detect_facets(case["input"])
    if case["group"] == "cashtags":
        # The source test keeps only the tag facets whose value starts with "$".
        facets = [f for f in facets if f.type == "tag" and f.value.startswith("$")]
    got = [(f.type, f.byte_start, f.byte_end, f.value, f.cashtag) for f in facets]
    want = [
        (e["type"], e["byteStart"], e["byteEnd"], expected_value(e), bool(e.get("cashtag")))
        for e in case["expected"]
    ]
    assert got == want
    for facet, expected in zip(facets, case["expected"], strict=True):
        assert utf8_slice(case["input"], facet.byte_start, facet.byte_end) == expected["text"]


@pytest.mark.parametrize("case", cases("richtext-length.json"))
def test_it_measures_length(case: dict[str, Any] | None) -> None:
    case = require(case)
    if "input_utf16_code_units" in case:
        text = from_utf16_code_units([int(unit, 16) for unit in case["input_utf16_code_units"]])
    else:
        text = case["input"]
    expected = case["expected"]
    if "utf8Bytes" in expected:
        assert utf8_length(text) == expected["utf8Bytes"]
        assert measure_bluesky(text, 300, 3000).utf8_bytes == expected["utf8Bytes"]
    if "graphemes" in expected:
        assert grapheme_count(text) == expected["graphemes"]
        assert measure_bluesky(text, 300, 3000).graphemes == expected["graphemes"]
    for conversion in expected.get("utf16_to_utf8", []):
        got = [utf16_to_utf8(text, index) for index in conversion["utf16"]]
        assert got == conversion["utf8"]
    for piece in expected.get("slices", []):
        assert utf8_slice(text, piece["byteStart"], piece["byteEnd"]) == piece["text"]


def test_it_fits_only_within_both_limits() -> None:
    assert measure_bluesky("a" * 300, 300, 3000).fits
    assert not measure_bluesky("a" * 301, 300, 3000).fits
    # 300 family emoji are 300 graphemes but 7500 bytes.
    family = "👨\u200d👩\u200d👧\u200d👧"
    measure = measure_bluesky(family * 300, 300, 3000)
    assert (measure.graphemes, measure.utf8_bytes, measure.fits) == (300, 7500, False)
