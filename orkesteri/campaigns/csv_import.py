"""Spend and results from a CSV file (docs/campaigns.md, "Importing from CSV").

`read_plan` reads and checks every row without writing anything: a header row names the
columns, in any order and any case. Reading the text (UTF-8 with or without a byte order
mark, the delimiter, the CSV quoting) and the dates is what the post import does, so its
helpers are reused. The import itself is `actions.import_entries`: all rows or none.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from babel.numbers import is_currency
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orkesteri.campaigns.actions import ImportRow, ResultInput, SpendInput, build_entry
from orkesteri.campaigns.models import PLATFORMS, Campaign, Result, Spend, currency_mismatch
from orkesteri.campaigns.numbers import NumberError, parse_count, parse_money
from orkesteri.lib.validators import validate_one_line
from orkesteri.publishing.csv_import import (
    DateOrder,
    FileError,
    RowError,
    decode,
    parse_day,
    records,
)
from orkesteri.workspaces.actions import ActionError
from orkesteri.workspaces.models import Workspace

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
PREVIEW_ROWS = 20
MAX_NOTE = 500
MAX_PLATFORM = 100


class Kind(StrEnum):
    SPEND = "spend"
    RESULTS = "results"


KIND_LABELS = {
    Kind.SPEND: gettext_lazy("Spend"),
    Kind.RESULTS: gettext_lazy("Results"),
}

# The columns each kind reads; `campaign` is required only for a file of several campaigns.
COLUMNS = {
    Kind.SPEND: (
        "campaign",
        "platform",
        "amount",
        "currency",
        "starts_on",
        "ends_on",
        "date",
        "impressions",
        "clicks",
        "note",
    ),
    Kind.RESULTS: ("campaign", "date", "conversions", "revenue", "currency", "note"),
}

EXAMPLES = {
    Kind.SPEND: (
        "campaign,platform,amount,currency,starts_on,ends_on,impressions,clicks,note\n"
        "Spring sale,Meta Ads,120.50,EUR,2026-04-01,2026-04-07,48200,610,Week 1\n"
        'Spring sale,Google Ads,"89,90",EUR,2026-04-01,2026-04-07,15300,420,\n'
        "Spring sale,Telegram Ads,60,EUR,2026-04-08,2026-04-08,21000,,One day\n"
    ),
    Kind.RESULTS: (
        "campaign,date,conversions,revenue,currency,note\n"
        "Spring sale,2026-04-03,12,960.00,EUR,Shop orders\n"
        'Spring sale,2026-04-04,7,"540,50",EUR,\n'
        "Spring sale,2026-04-05,3,,EUR,Sign-ups only\n"
    ),
}


def too_big_message() -> str:
    return _("The file is larger than %(mb)s MB. Split it into smaller files.") % {
        "mb": MAX_BYTES // 2**20
    }


def too_many_message() -> str:
    return _("The file has more than %(max)s rows. Split it into smaller files.") % {
        "max": f"{MAX_ROWS:,}"
    }


@dataclass
class Row:
    line: int  # the row of the file (1 = the header), as a spreadsheet numbers it
    cells: dict[str, str]
    campaign: Campaign | None = None
    data: SpendInput | ResultInput | None = None
    errors: list[str] = field(default_factory=list)

    def fail(self, column: str, message: str) -> None:
        self.errors.append(_("%(column)s: %(message)s") % {"column": column, "message": message})


@dataclass
class Plan:
    kind: Kind
    rows: list[Row]
    campaign: Campaign | None  # the file is for this campaign; None: for the workspace
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Row]:
        return [r for r in self.rows if r.errors]

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    def entries(self) -> list[ImportRow]:
        """What `actions.import_entries` writes; only for a plan without errors."""
        assert not self.failed
        return [
            ImportRow(r.line, r.campaign, r.data)
            for r in self.rows
            if r.campaign is not None and r.data is not None
        ]


@dataclass
class Options:
    date_order: DateOrder = DateOrder.DMY
    platform: str = ""  # for spend rows whose platform cell is empty


# --- reading the file ------------------------------------------------------------------


def read_plan(
    data: bytes,
    kind: Kind,
    workspace: Workspace,
    campaign: Campaign | None = None,
    options: Options | None = None,
) -> Plan:
    """Every row checked; raises FileError when the file as a whole cannot be read."""
    if len(data) > MAX_BYTES:
        raise FileError(too_big_message())
    items = list(_limited(records(decode(data))))
    if not items:
        raise FileError(_("The file is empty."))
    header = [_column(c) for c in items.pop(0)[1]]
    _require_columns(kind, header, several=campaign is None)
    if not items:
        raise FileError(_("The file has a header row but no rows below it."))
    if len(items) > MAX_ROWS:
        raise FileError(too_many_message())
    plan = Plan(kind, [], campaign, notes=_ignored_columns(kind, header))
    checker = Checker(kind, workspace, campaign, options or Options())
    for line, cells in items:
        values = {name: cells[i].strip() for i, name in enumerate(header) if i < len(cells)}
        plan.rows.append(checker.check(line, values))
    plan.notes += _duplicates_note(plan)
    return plan


def _limited(items: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    # The header + MAX_ROWS, and one more to notice a file that is too long without reading on.
    for count, item in enumerate(items):
        if count > MAX_ROWS + 1:
            raise FileError(too_many_message())
        yield item


def _column(cell: str) -> str:
    """A header cell as a column name: "Starts on" and "starts-on" are `starts_on`."""
    return re.sub(r"[\s\-]+", "_", cell.strip().lower())


def _require_columns(kind: Kind, header: list[str], several: bool) -> None:
    names = set(header)
    need = ["amount"] if kind == Kind.SPEND else []
    if kind == Kind.SPEND and not names & {"starts_on", "date"}:
        need.append("starts_on")
    if kind == Kind.RESULTS:
        need.append("date")
        if not names & {"conversions", "revenue"}:
            need.append("conversions")
    if several:
        need.insert(0, "campaign")
    missing = [n for n in need if n not in names]
    if missing:
        raise FileError(
            _(
                "The header row (the first row) has no column %(missing)s. A %(kind)s file "
                "needs these columns: %(columns)s. Download the example file to see one."
            )
            % {
                "missing": ", ".join(f"“{m}”" for m in missing),
                "kind": str(KIND_LABELS[kind]).lower(),
                "columns": ", ".join(_required_names(kind, several)),
            }
        )


def _required_names(kind: Kind, several: bool) -> list[str]:
    names = ["campaign"] if several else []
    if kind == Kind.SPEND:
        return [*names, "amount", "starts_on (or date)"]
    return [*names, "date", "conversions or revenue"]


def _ignored_columns(kind: Kind, header: list[str]) -> list[str]:
    return [
        _("The column “%(name)s” is not one we read; it was ignored.") % {"name": name}
        for name in dict.fromkeys(header)
        if name and name not in COLUMNS[kind]
    ]


# --- checking one row ------------------------------------------------------------------


class Checker:
    def __init__(
        self, kind: Kind, workspace: Workspace, campaign: Campaign | None, options: Options
    ) -> None:
        self.kind, self.campaign, self.options = kind, campaign, options
        found = [campaign] if campaign else list(Campaign.objects.filter(workspace=workspace))
        self.by_name = {c.name.casefold(): c for c in found}

    def check(self, line: int, cells: dict[str, str]) -> Row:
        row = Row(line, cells)
        row.campaign = self._campaign(row)
        currency = self._currency(row, row.campaign)
        note = self._note(row)
        if self.kind == Kind.SPEND:
            spend = self._spend(row)
            if spend is not None and not row.errors:
                spend.currency, spend.note = currency, note
                row.data = spend
        else:
            result = self._result(row)
            if result is not None and not row.errors:
                result.currency, result.note = currency, note
                row.data = result
        if row.data is not None and row.campaign is not None:
            # The model's own rules, as the confirmation will run them: the preview must
            # not promise a row the import then refuses (e.g. a number too big to store).
            try:
                build_entry(row.campaign, row.data)
            except ActionError as e:
                for column, message in e.errors.items():
                    row.fail(column or "row", message)
                row.data = None
        return row

    # --- the cells every kind has ---

    def _campaign(self, row: Row) -> Campaign | None:
        name = row.cells.get("campaign", "")
        if self.campaign is not None:
            if name and name.casefold() != self.campaign.name.casefold():
                row.fail(
                    "campaign",
                    _(
                        "“%(name)s” is not this campaign (%(this)s). Leave the column empty, "
                        "or import the file from the campaign list to fill several campaigns."
                    )
                    % {"name": name, "this": self.campaign.name},
                )
                return None
            return self.campaign
        if not name:
            row.fail("campaign", _("empty; name the campaign of each row."))
            return None
        found = self.by_name.get(name.casefold())
        if found is None:
            row.fail(
                "campaign",
                _("no campaign “%(name)s” in this workspace; create it first.") % {"name": name},
            )
        return found

    def _currency(self, row: Row, campaign: Campaign | None) -> str:
        code = row.cells.get("currency", "").upper()
        if not code:
            return campaign.currency if campaign else ""
        if not is_currency(code):
            row.fail(
                "currency",
                _("“%(code)s” is not an ISO 4217 currency code like EUR or USD.") % {"code": code},
            )
        elif campaign is not None and code != campaign.currency:
            row.fail("currency", currency_mismatch(code, campaign))
        return code

    def _note(self, row: Row) -> str:
        note = row.cells.get("note", "")
        if len(note) > MAX_NOTE:
            row.fail("note", _("longer than %(max)s characters.") % {"max": MAX_NOTE})
        elif not _one_line(note):
            row.fail("note", _("use one line of text without control characters."))
        return note

    def _day(self, row: Row, column: str, value: str) -> date | None:
        if not value:
            row.fail(column, _("the date is missing."))
            return None
        try:
            return parse_day(value, self.options.date_order)
        except RowError as e:
            row.fail(column, str(e))
            return None

    def _money(self, row: Row, column: str, required: bool = True) -> Decimal | None:
        value = row.cells.get(column, "")
        if not value:
            if required:
                row.fail(column, _("empty."))
            return None
        try:
            return parse_money(value)
        except NumberError as e:
            row.fail(column, str(e))
            return None

    def _count(self, row: Row, column: str) -> int | None:
        value = row.cells.get(column, "")
        if not value:
            return None
        try:
            return parse_count(value)
        except NumberError as e:
            row.fail(column, str(e))
            return None

    # --- spend ---

    def _spend(self, row: Row) -> SpendInput | None:
        platform = self._platform(row)
        amount = self._money(row, "amount")
        starts_on, ends_on = self._period(row)
        impressions = self._count(row, "impressions")
        clicks = self._count(row, "clicks")
        if amount is None or starts_on is None or ends_on is None:
            return None
        return SpendInput(
            platform=platform,
            amount=amount,
            starts_on=starts_on,
            ends_on=ends_on,
            impressions=impressions,
            clicks=clicks,
        )

    def _platform(self, row: Row) -> str:
        value = row.cells.get("platform", "") or self.options.platform.strip()
        if not value:
            row.fail(
                "platform",
                _("empty; fill it in, or choose the platform for the whole file."),
            )
        elif len(value) > MAX_PLATFORM:
            row.fail("platform", _("longer than %(max)s characters.") % {"max": MAX_PLATFORM})
        elif not _one_line(value):
            row.fail("platform", _("use one line of text without control characters."))
        return next((p for p in PLATFORMS if p.casefold() == value.casefold()), value)

    def _period(self, row: Row) -> tuple[date | None, date | None]:
        single = row.cells.get("date", "")
        first = row.cells.get("starts_on", "") or single
        column = "starts_on" if row.cells.get("starts_on") or not single else "date"
        starts_on = self._day(row, column, first)
        last = row.cells.get("ends_on", "")
        if not last:
            return starts_on, starts_on  # one day
        ends_on = self._day(row, "ends_on", last)
        if starts_on and ends_on and ends_on < starts_on:
            row.fail(
                "ends_on",
                _("%(end)s is before the start, %(start)s.")
                % {"end": ends_on.isoformat(), "start": starts_on.isoformat()},
            )
            return starts_on, None
        return starts_on, ends_on

    # --- results ---

    def _result(self, row: Row) -> ResultInput | None:
        on = self._day(row, "date", row.cells.get("date", ""))
        conversions = self._count(row, "conversions")
        revenue = self._money(row, "revenue", required=False)
        if not row.cells.get("conversions") and not row.cells.get("revenue"):
            row.fail("conversions", _("conversions and revenue are both empty; give one."))
            return None
        if on is None:
            return None
        return ResultInput(
            on=on,
            conversions=conversions or 0,
            revenue=revenue if revenue is not None else Decimal("0.00"),
            source=Result.Source.CSV,
        )


def _one_line(value: str) -> bool:
    try:
        validate_one_line(value)
    except ValidationError:
        return False
    return True


# --- rows the campaign already has -----------------------------------------------------


def _duplicates_note(plan: Plan) -> list[str]:
    """A warning, not an error: the same figures twice can be real (two equal days)."""
    existing = _existing(plan)
    count = sum(1 for r in plan.rows if r.data is not None and _key(r) in existing)
    if not count:
        return []
    return [
        _(
            "%(count)s of these rows are the same as entries the campaign already has. Is this "
            "file imported already? Importing it again counts those figures twice."
        )
        % {"count": count}
    ]


def _key(row: Row) -> tuple[object, ...]:
    data = row.data
    assert row.campaign is not None and data is not None
    if isinstance(data, SpendInput):
        return (
            row.campaign.pk,
            data.platform.casefold(),
            data.amount,
            data.starts_on,
            data.ends_on,
        )
    return (row.campaign.pk, data.on, data.conversions, data.revenue)


def _existing(plan: Plan) -> set[tuple[object, ...]]:
    ids = {r.campaign.pk for r in plan.rows if r.campaign is not None}
    if plan.kind == Kind.SPEND:
        spends = Spend.objects.filter(campaign_id__in=ids).values_list(
            "campaign_id", "platform", "amount", "starts_on", "ends_on"
        )
        return {(c, p.casefold(), a, s, e) for c, p, a, s, e in spends}
    results = Result.objects.filter(campaign_id__in=ids).values_list(
        "campaign_id", "on", "conversions", "revenue"
    )
    return set(results)
