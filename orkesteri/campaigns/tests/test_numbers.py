"""Amounts and counts as people type them and spreadsheets save them."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from orkesteri.campaigns.numbers import NumberError, parse_count, parse_money


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12.50", "12.50"),
        ("12,50", "12.50"),
        ("12,5", "12.50"),
        ("12", "12.00"),
        (" 7 ", "7.00"),
        ("1 234,50", "1234.50"),
        ("1\u00a0234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1'234.50", "1234.50"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567", "1234567.00"),
        ("0", "0.00"),
    ],
)
def test_it_reads_amounts(text: str, value: str) -> None:
    assert parse_money(text) == D(value)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("12,5x", "is not an amount"),
        ("abc", "is not an amount"),
        ("€12", "is not an amount"),
        ("-5", "negative"),
        ("1,234", "more than two decimals"),  # 1.234 or 1234? We do not guess.
        ("12.505", "more than two decimals"),
        ("1,23,4.5", "is not an amount"),
        ("1" * 16, "too large"),
    ],
)
def test_it_refuses_what_is_not_an_amount(text: str, says: str) -> None:
    with pytest.raises(NumberError, match=says):
        parse_money(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("1200", 1200), ("12 345", 12345), ("12,345", 12345), ("1.234.567", 1234567), ("0", 0)],
)
def test_it_reads_counts(text: str, value: int) -> None:
    assert parse_count(text) == value


@pytest.mark.parametrize("text", ["12.5", "1,5", "-3", "x", "١٢"])
def test_it_refuses_what_is_not_a_count(text: str) -> None:
    with pytest.raises(NumberError):
        parse_count(text)
