"""Bulk import of posts from a CSV file (docs/import.md).

Three formats, told apart by the first row: Hootsuite's bulk file (no header: date-time,
message, optional URL), Sprout Social's bulk file (header `date`, `time_24hr`,
`message_text`, …) and our own (header `scheduled_at`, `channels`, `text`, …).

`read_plan` is pure: bytes, the workspace's channels, its zone and the clock in; a `Plan` out,
every row with its line number and its errors. `import_plan` is the import's action (STYLE.md
rule 5): up to 5,000 posts in one web request do not fit through `create_post` and
`schedule_post` (about 50 queries for a post to three channels), so it writes them in bulk,
in one transaction, leaving exactly what those two would (the tests compare them).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zoneinfo
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum

from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orkesteri.accounts.models import User
from orkesteri.channels.models import Channel
from orkesteri.networks.base import Adapter, Draft, Feature
from orkesteri.publishing import actions
from orkesteri.publishing.models import Delivery
from orkesteri.workspaces.actions import record
from orkesteri.workspaces.models import Workspace

MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024  # 5,000 rows of 2,000 characters fit
PREVIEW_ROWS = 20
MAX_PILLAR = 100
S = Delivery.Status
LIST_SPLIT = re.compile(r"[;|]")
URL_SPLIT = re.compile(r"[\s,;|]+")
TAG_SPLIT = re.compile(r"[,;|]")


class Format(StrEnum):
    HOOTSUITE = "hootsuite"
    SPROUT = "sprout"
    ORKESTERI = "orkesteri"


FORMAT_LABELS = {
    Format.HOOTSUITE: gettext_lazy("Hootsuite bulk file"),
    Format.SPROUT: gettext_lazy("Sprout Social bulk file"),
    Format.ORKESTERI: gettext_lazy("Orkesteri file"),
}


class DateOrder(StrEnum):
    DMY = "dmy"
    MDY = "mdy"


DATE_ORDER_LABELS = {
    DateOrder.DMY: gettext_lazy("day/month/year (24/12/2026)"),
    DateOrder.MDY: gettext_lazy("month/day/year (12/24/2026)"),
}

# Columns each header format reads; the first ones are required.
SPROUT_REQUIRED = ("date", "time_24hr", "message_text")
SPROUT_COLUMNS = (*SPROUT_REQUIRED, "link", "image_url", "image_urls", "tags")
OWN_REQUIRED = ("scheduled_at", "text")
OWN_COLUMNS = (
    *OWN_REQUIRED,
    "channels",
    "link",
    "media_urls",
    "first_comment",
    "pillar",
    "tags",
)


class FileError(Exception):
    """The file as a whole cannot be read: nothing in it is imported."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RowError(ValueError):
    pass


@dataclass
class Row:
    line: int  # the file's line where the row starts (1 = the first line)
    text: str = ""
    link: str = ""
    scheduled_at: datetime | None = None
    channels: list[Channel] = field(default_factory=list)
    media_urls: list[str] = field(default_factory=list)
    first_comment: str = ""
    pillar: str = ""
    tags: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def notes(self, source: str) -> str:
        lines = [_("Imported from %(file)s, line %(line)s.") % {"file": source, "line": self.line}]
        if self.media_urls:
            lines.append(_("Media: %(urls)s") % {"urls": " ".join(self.media_urls)})
        if self.tags:
            lines.append(_("Tags: %(tags)s") % {"tags": ", ".join(self.tags)})
        return "\n".join(lines)


@dataclass
class Plan:
    format: Format
    rows: list[Row]
    notes: list[str] = field(default_factory=list)  # warnings about the file, e.g. ignored columns

    @property
    def failed(self) -> list[Row]:
        return [r for r in self.rows if r.errors]

    @property
    def valid(self) -> list[Row]:
        return [r for r in self.rows if not r.errors]

    @property
    def format_label(self) -> str:
        return str(FORMAT_LABELS[self.format])


class Stage(StrEnum):
    CHECKING = "checking"  # reading and checking the rows
    WRITING = "writing"  # writing the posts
    QUEUEING = "queueing"  # after the commit: queueing each delivery's send


# (stage, rows done, rows in all); called often, so a progress bar redraws only when it moves.
Progress = Callable[[Stage, int, int], None]


@dataclass
class Options:
    zone: str  # the workspace's IANA zone: times without an offset are wall-clock times there
    now: datetime
    date_order: DateOrder = DateOrder.DMY
    chosen: Sequence[Channel] = ()  # the channels the user picked, for rows that name none


# --- reading the file ------------------------------------------------------------------


def decode(data: bytes) -> str:
    """UTF-8 text, with or without a byte order mark; anything else is a clear error."""
    if len(data) > MAX_BYTES:
        raise FileError(too_big_message())
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileError(_("The file is UTF-16 text. Save it as “CSV UTF-8” and upload it again."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FileError(
            _(
                "The file is not UTF-8 text (line %(line)s has a byte that is not UTF-8). In "
                "Excel choose “CSV UTF-8”; elsewhere save with the UTF-8 encoding."
            )
            % {"line": data[: e.start].count(b"\n") + 1}
        ) from None
    if "\x00" in text:
        raise FileError(_("This is not a text file. Upload a CSV file."))
    if not text.strip():
        raise FileError(_("The file is empty."))
    return text


def too_big_message() -> str:
    return _("The file is larger than %(mb)s MB. Split it into smaller files.") % {
        "mb": MAX_BYTES // 2**20
    }


def guess_delimiter(text: str) -> str:
    """The first comma, semicolon or tab of the first line: spreadsheets in many locales
    save with `;`, and neither a header name nor a date-time contains one."""
    first = text.split("\n", 1)[0]
    found = [(first.index(d), d) for d in ",;\t" if d in first]
    return min(found)[1] if found else ","


def records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells) for every non-blank record."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=guess_delimiter(text))
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if any(c.strip() for c in cells):
                yield line, cells
    except csv.Error as e:
        raise FileError(
            _("Line %(line)s is not valid CSV (%(error)s).") % {"line": reader.line_num, "error": e}
        ) from None


def _name(cell: str) -> str:
    return cell.strip().lower()


def detect(first: list[str]) -> Format:
    names = {_name(c) for c in first}
    if set(OWN_REQUIRED) <= names:
        return Format.ORKESTERI
    if set(SPROUT_REQUIRED) <= names:
        return Format.SPROUT
    if re.match(r"\s*\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}", first[0]):
        return Format.HOOTSUITE  # no header: the first row is already a post
    raise FileError(
        _(
            "The first row (“%(row)s”) is neither a header we know nor a post. A Hootsuite "
            "file has no header row and starts with a date and time; a Sprout Social file "
            "needs the columns date, time_24hr and message_text; an Orkesteri file needs "
            "scheduled_at and text."
        )
        % {"row": ", ".join(c.strip() for c in first)[:200]}
    )


def read_plan(
    data: bytes,
    channels: Sequence[Channel],
    options: Options,
    progress: Progress | None = None,
) -> Plan:
    """Every row of the file, checked; raises FileError when the file cannot be read."""
    items = list(_limited(records(decode(data))))
    if not items:
        raise FileError(_("The file is empty."))
    fmt = detect(items[0][1])
    header: list[str] = []
    if fmt != Format.HOOTSUITE:
        header = [_name(c) for c in items.pop(0)[1]]
    if len(items) > MAX_ROWS:
        raise FileError(too_many_message())
    if fmt != Format.ORKESTERI and not options.chosen:
        raise FileError(
            _("Choose the channels these posts go to: a %(format)s does not name them.")
            % {"format": FORMAT_LABELS[fmt]}
        )
    plan = Plan(fmt, [], notes=_ignored_columns(fmt, header))
    checker = Checker(channels, options)
    for number, (line, cells) in enumerate(items, start=1):
        plan.rows.append(checker.check(line, _fields(fmt, header, cells)))
        if progress:
            progress(Stage.CHECKING, number, len(items))
    return plan


def too_many_message() -> str:
    return _("The file has more than %(max)s posts. Split it into smaller files.") % {
        "max": f"{MAX_ROWS:,}"
    }


def _limited(items: Iterator[tuple[int, list[str]]]) -> Iterator[tuple[int, list[str]]]:
    # Header + MAX_ROWS, and one more to notice a file that is too long without reading it all.
    for count, item in enumerate(items):
        if count > MAX_ROWS + 1:
            raise FileError(too_many_message())
        yield item


def _ignored_columns(fmt: Format, header: list[str]) -> list[str]:
    known = SPROUT_COLUMNS if fmt == Format.SPROUT else OWN_COLUMNS
    return [
        _("The column “%(name)s” is not one we read; it was ignored.") % {"name": name}
        for name in header
        if name and name not in known
    ]


def _fields(fmt: Format, header: list[str], cells: list[str]) -> dict[str, str]:
    """A row's cells by our names; `when` is the whole date-time for Hootsuite."""
    if fmt == Format.HOOTSUITE:
        names = ["when", "text", "link"]
        values = {n: c.strip() for n, c in zip(names, cells, strict=False)}
        if len(cells) > 3 and any(c.strip() for c in cells[3:]):
            values["_extra"] = "1"
        return values
    values = {name: cells[i].strip() for i, name in enumerate(header) if i < len(cells)}
    if fmt == Format.SPROUT:
        media = values.get("image_url", "") or values.get("image_urls", "")
        return {
            "date": values.get("date", ""),
            "time": values.get("time_24hr", ""),
            "text": values.get("message_text", ""),
            "link": values.get("link", ""),
            "media_urls": media,
            "tags": values.get("tags", ""),
        }
    # Our own format: the text keeps its inner line breaks, only the ends are trimmed.
    return values


# --- checking one row ------------------------------------------------------------------


class Checker:
    def __init__(self, channels: Sequence[Channel], options: Options) -> None:
        self.options = options
        self.zone = zoneinfo.ZoneInfo(options.zone)
        self.by_id = {c.pk: c for c in channels}
        self.by_name: dict[str, list[Channel]] = {}
        for c in channels:
            for name in {c.display_name.casefold(), c.display_name.casefold().lstrip("@")}:
                self.by_name.setdefault(name, []).append(c)
        self.adapters: dict[int, Adapter] = {}

    def check(self, line: int, values: dict[str, str]) -> Row:
        row = Row(line=line, text=values.get("text", ""), link=values.get("link", ""))
        row.first_comment = values.get("first_comment", "")
        row.pillar = values.get("pillar", "")
        row.tags = [t.strip() for t in TAG_SPLIT.split(values.get("tags", "")) if t.strip()]
        row.media_urls = [u for u in URL_SPLIT.split(values.get("media_urls", "")) if u]
        errors = row.errors
        if values.get("_extra"):
            errors.append(_("A Hootsuite row has three columns at most: date-time, message, URL."))
        try:
            row.scheduled_at = self.when(values)
        except RowError as e:
            errors.append(str(e))
        try:
            row.channels = self.channels(values.get("channels", ""))
        except RowError as e:
            errors.append(str(e))
        if not row.text.strip():
            errors.append(_("The text is empty."))
        if row.link and not _is_web_address(row.link):
            errors.append(_("The link must start with https:// or http://."))
        bad = [u for u in row.media_urls if not _is_web_address(u)]
        if bad:
            errors.append(
                _("Media addresses must start with https:// or http://: %(urls)s")
                % {"urls": ", ".join(bad)}
            )
        if len(row.pillar) > MAX_PILLAR:
            errors.append(_("The pillar is longer than %(max)s characters.") % {"max": MAX_PILLAR})
        if row.text.strip():
            errors.extend(self.problems(row))
        return row

    # --- when ---

    def when(self, values: dict[str, str]) -> datetime:
        if "when" in values or "date" in values:
            naive = self._day_and_time(values)
            moment = localize(naive, self.zone)
        else:
            moment = self._iso(values.get("scheduled_at", ""))
        if moment <= self.options.now:
            raise RowError(
                _("%(time)s (%(zone)s) has passed; choose a later time.")
                % {"time": _shown(moment, self.zone), "zone": self.options.zone}
            )
        return moment

    def _day_and_time(self, values: dict[str, str]) -> datetime:
        if "when" in values:
            parts = values["when"].split()
            if len(parts) != 2:
                raise RowError(
                    _("“%(value)s” is not a date and time like 24/12/2026 09:00.")
                    % {"value": values["when"]}
                )
            day_text, time_text = parts
        else:
            day_text, time_text = values.get("date", ""), values.get("time", "")
        day = parse_day(day_text, self.options.date_order)
        return datetime.combine(day, parse_time(time_text))

    def _iso(self, value: str) -> datetime:
        if not value:
            raise RowError(_("scheduled_at is empty."))
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is None or not re.search(r"\d[T ]\d", value):
            raise RowError(
                _(
                    "“%(value)s” is not a date and time in ISO 8601, like "
                    "2026-12-24T09:00+02:00 (or 2026-12-24 09:00 in the workspace's zone)."
                )
                % {"value": value}
            )
        if moment.tzinfo is None:
            return localize(moment, self.zone, own_format=True)
        return moment

    # --- channels ---

    def channels(self, value: str) -> list[Channel]:
        tokens = [t.strip() for t in LIST_SPLIT.split(value) if t.strip()]
        if not tokens:
            if not self.options.chosen:
                raise RowError(
                    _("No channels: name them in the channels column or choose them for the file.")
                )
            return list(self.options.chosen)
        found: list[Channel] = []
        for token in tokens:
            channel = self._channel(token)
            if channel not in found:
                found.append(channel)
        return found

    def _channel(self, token: str) -> Channel:
        if token.isdigit() and int(token) in self.by_id:
            return self.by_id[int(token)]
        matches = self.by_name.get(token.casefold()) or self.by_name.get(
            token.casefold().lstrip("@"), []
        )
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise RowError(
                _("Several channels are called “%(name)s”; use its id instead (%(ids)s).")
                % {"name": token, "ids": ", ".join(str(c.pk) for c in matches)}
            )
        raise RowError(_("No channel “%(name)s” in this workspace.") % {"name": token})

    # --- the networks' rules ---

    def problems(self, row: Row) -> list[str]:
        row.text, row.link = text_and_link(row.channels, row.text, row.link)
        draft = Draft(row.text, link=row.link)
        found = []
        for channel in row.channels:
            adapter = self.adapters.get(channel.pk)
            if adapter is None:
                adapter = self.adapters[channel.pk] = channel.adapter_class({}, channel.config)
            found += [f"{channel.display_name}: {p}" for p in adapter.problems(draft)]
        return found


def text_and_link(channels: Sequence[Channel], text: str, link: str) -> tuple[str, str]:
    """The post's text and link card. When one of the networks shows no link cards, the link
    goes at the end of the text instead, as Hootsuite and Sprout Social do with their URL
    column (the link is the post's, not a channel's, so it is the same on every channel)."""
    if not link or all(Feature.LINK_CARD in c.adapter_class.features for c in channels):
        return text, link
    return (text if link in text else f"{text.rstrip()}\n{link}"), ""


def _is_web_address(value: str) -> bool:
    return value.startswith(("https://", "http://")) and len(value) > 8 and " " not in value


def _shown(moment: datetime, zone: zoneinfo.ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


DAY_NUMBERS = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})")
ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")


def parse_day(value: str, order: DateOrder) -> date:
    """24/12/2026 (dmy) or 12/24/2026 (mdy); also 24.12.2026, 24-12-2026 and 2026-12-24."""
    value = value.strip()
    iso = ISO_DAY.fullmatch(value)
    if iso:
        try:
            return date(*map(int, iso.groups()))
        except ValueError:
            raise RowError(_("“%(value)s” is not a valid date.") % {"value": value}) from None
    m = DAY_NUMBERS.fullmatch(value)
    if m is None:
        raise RowError(
            _("“%(value)s” is not a date like %(example)s.")
            % {"value": value, "example": "24/12/2026" if order == DateOrder.DMY else "12/24/2026"}
        )
    first, second, year = (int(g) for g in m.groups())
    if len(m.group(3)) != 4:
        raise RowError(_("“%(value)s”: write the year with four digits.") % {"value": value})
    day, month = (first, second) if order == DateOrder.DMY else (second, first)
    try:
        return date(year, month, day)
    except ValueError:
        pass
    try:
        date(year, day, month)
    except ValueError:
        raise RowError(_("“%(value)s” is not a valid date.") % {"value": value}) from None
    other = DATE_ORDER_LABELS[DateOrder.MDY if order == DateOrder.DMY else DateOrder.DMY]
    raise RowError(
        _("“%(value)s” is not a valid date in the order you chose; is the file in %(other)s order?")
        % {"value": value, "other": other}
    )


def parse_time(value: str) -> time:
    m = CLOCK.fullmatch(value.strip())
    if m is None:
        raise RowError(
            _("“%(value)s” is not a 24-hour time like 09:00 or 17:30.") % {"value": value.strip()}
        )
    hour, minute, second = (int(g or 0) for g in m.groups())
    try:
        return time(hour, minute, second)
    except ValueError:
        raise RowError(_("“%(value)s” is not a valid time.") % {"value": value.strip()}) from None


def localize(naive: datetime, zone: zoneinfo.ZoneInfo, own_format: bool = False) -> datetime:
    """The instant clocks in `zone` show `naive`; a time that does not exist (spring-forward
    gap) or happens twice (autumn fold) is an error: we do not guess which one was meant."""
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    shown = naive.strftime("%Y-%m-%d %H:%M")
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise RowError(
            _(
                "%(time)s does not exist in %(zone)s: the clocks skip that hour when summer "
                "time starts. Choose another time."
            )
            % {"time": shown, "zone": zone.key}
        )
    message = _(
        "%(time)s happens twice in %(zone)s: the clocks go back that night. Choose another time."
    ) % {"time": shown, "zone": zone.key}
    if own_format:
        message += " " + _("Or add the offset: %(a)s or %(b)s.") % {
            "a": first.isoformat(timespec="minutes"),
            "b": second.isoformat(timespec="minutes"),
        }
    raise RowError(message)


# --- importing -------------------------------------------------------------------------

# Rows written per round of INSERTs: posts, then their variants, then their deliveries. The
# database driver splits a round further where it must (SQLite: 999 values per statement).
BATCH_ROWS = 500


class ImportFailed(Exception):
    """A row could not be written; nothing was imported (all-or-nothing mode)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


@dataclass
class Result:
    created: int = 0
    failed: list[Row] = field(default_factory=list)
    awaiting_approval: bool = False  # the posts wait for approval instead of being scheduled


def import_plan(
    workspace: Workspace,
    actor: User | None,
    plan: Plan,
    *,
    partial: bool = False,
    source: str = "CSV",
    progress: Progress | None = None,
) -> Result:
    """Create and schedule a post per valid row, all in one transaction.

    Without `partial` nothing is written when any row has an error; with it the valid rows
    are imported and the others skipped. The rows are written in bulk, a few INSERTs per
    `BATCH_ROWS` rows, and leave what `actions.create_post` followed by
    `actions.schedule_post` would: the same posts, variants and deliveries (version 1,
    `scheduled`, or `awaiting_approval` where the workspace asks for approval), each
    delivery's send queued once the transaction commits, and one audit entry for the file.
    """
    result = Result(failed=plan.failed)
    if result.failed and not partial:
        return result
    if not connection.features.can_return_rows_from_bulk_insert:
        # The variants and deliveries need the posts' ids back from the bulk INSERT.
        raise RuntimeError("Importing needs PostgreSQL, or SQLite 3.35 or later.")
    with transaction.atomic():
        # As `schedule_post` does, ask the database, not a workspace read before the import.
        result.awaiting_approval = Workspace.objects.values_list(
            "requires_approval", flat=True
        ).get(pk=workspace.pk)
        rows = []
        for row, error in _recheck(workspace, plan.valid):
            if error is None:
                rows.append(row)
            elif not partial:
                raise ImportFailed(row.line, error)
            else:
                row.errors.append(error)
                result.failed.append(row)
        for start in range(0, len(rows), BATCH_ROWS):
            batch = rows[start : start + BATCH_ROWS]
            _write(workspace, actor, batch, source, result.awaiting_approval)
            result.created += len(batch)
            if progress:
                progress(Stage.WRITING, result.created, len(rows))
                if not result.awaiting_approval:
                    _after_commit(progress, result.created, len(rows))
        if rows:
            record(workspace, actor, "post.imported", source, {"posts": [0, len(rows)]})
    return result


def _after_commit(progress: Progress, done: int, total: int) -> None:
    """Report the queueing of a batch's sends: on-commit callbacks run in the order they were
    registered, so this one runs right after that batch's `enqueue` callbacks."""
    transaction.on_commit(lambda: progress(Stage.QUEUEING, done, total))


def _recheck(workspace: Workspace, rows: list[Row]) -> Iterator[tuple[Row, str | None]]:
    """Each row with what stops it now, as `schedule_post` and `create_post` would check
    again: time has passed since the file was read, and channels may have gone."""
    wanted = {c.pk for row in rows for c in row.channels}
    present = set(
        Channel.objects.filter(workspace=workspace, pk__in=wanted)
        .publishable()
        .values_list("pk", flat=True)
    )
    for row in rows:
        gone = [c for c in row.channels if c.pk not in present]
        if gone:
            yield (
                row,
                _("No channel “%(name)s” in this workspace.") % {"name": gone[0].display_name},
            )
        elif row.scheduled_at is None or actions.has_passed(row.scheduled_at):
            yield row, actions.passed_message()
        else:
            yield row, None


def _write(
    workspace: Workspace, actor: User | None, rows: list[Row], source: str, waiting: bool
) -> None:
    items = []
    for row in rows:
        assert row.scheduled_at is not None  # _recheck let only rows with a time through
        data = actions.PostInput(
            text=row.text,
            channel_ids=[c.pk for c in row.channels],
            link=row.link,
            first_comment=row.first_comment,
            pillar=row.pillar,
            notes=row.notes(source),
        )
        items.append((data, row.scheduled_at))
    actions.create_scheduled(workspace, actor, items, waiting=waiting)
