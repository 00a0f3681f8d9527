"""Repeating (evergreen) posts: a rule on the post, its occurrences ordinary posts.

Scheduling a post that repeats creates every occurrence up front, in the same transaction: a
copy of the post per time, linked to the first by `series` (the first links to itself), each
scheduled through `actions.schedule_post` like any post. So each one is on the calendar, is
approved, edited, moved or cancelled on its own, and the engine publishes it like any other;
nothing runs later to make "the next one", so a crash can neither lose nor double one.

Times are wall-clock times in the workspace's zone, like queue slots: a post at 09:00 repeats
at 09:00 across daylight saving changes; monthly repeats keep the day of the month, or take
the month's last day when it is shorter (the 31st → 28 February → 31 March).

The rule of a series is fixed once the series exists: to change it, cancel this and the
later occurrences (`cancel_from`) and schedule a copy.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orkesteri.accounts.models import User
from orkesteri.lib import dates
from orkesteri.publishing import actions
from orkesteri.publishing.models import Post
from orkesteri.workspaces.actions import ActionError, record

MAX_OCCURRENCES = 100
MAX_EVERY = 365
UNITS = tuple(Post.RepeatUnit.values)


@dataclass(frozen=True)
class Repeat:
    """Every `every` `unit`s, until the date `until` (workspace zone, included) or `count`
    times in all, the first included. Exactly one of `until` and `count`."""

    every: int
    unit: str
    until: date | None = None
    count: int | None = None


def rule_of(post: Post) -> Repeat | None:
    if not post.repeat_every:
        return None
    return Repeat(post.repeat_every, post.repeat_unit, post.repeat_until, post.repeat_count)


def rule_fields(rule: Repeat | None) -> dict[str, object]:
    """The Post fields that store `rule` (all empty for None)."""
    return {
        "repeat_every": rule.every if rule else None,
        "repeat_unit": rule.unit if rule else "",
        "repeat_until": rule.until if rule else None,
        "repeat_count": rule.count if rule else None,
    }


def rule_errors(rule: Repeat | None) -> dict[str, str]:
    """What is wrong with the rule itself, by field; the times are checked when scheduling."""
    if rule is None:
        return {}
    errors = {}
    if not 1 <= rule.every <= MAX_EVERY:
        errors["repeat_every"] = _("Repeat every 1 to %(most)s days, weeks or months.") % {
            "most": MAX_EVERY
        }
    if rule.unit not in UNITS:
        errors["repeat_unit"] = _("Choose days, weeks or months.")
    if (rule.until is None) == (rule.count is None):
        errors["repeat"] = _("Say when the repeats end: on a date, or after a number of times.")
    elif rule.count is not None and not 2 <= rule.count <= MAX_OCCURRENCES:
        errors["repeat_count"] = _("From 2 to %(most)s times in all (the first time included).") % {
            "most": MAX_OCCURRENCES
        }
    return errors


def _nth_day(start: date, rule: Repeat, n: int) -> date:
    if rule.unit == Post.RepeatUnit.DAYS:
        return start + timedelta(days=n * rule.every)
    if rule.unit == Post.RepeatUnit.WEEKS:
        return start + timedelta(weeks=n * rule.every)
    month = dates.add_months(start, n * rule.every)  # its first day
    return month.replace(day=min(start.day, calendar.monthrange(month.year, month.month)[1]))


def occurrence_times(rule: Repeat, first: datetime, zone: str) -> list[datetime]:
    """Every time of the series, `first` first; refuses an end before it or over 100 times."""
    try:
        local = first.astimezone(ZoneInfo(zone))
        start = local.date()
        if rule.until is not None and rule.until < start:
            raise ActionError(
                {"repeat_until": _("The last date is before the first time (%(day)s).")
                 % {"day": date_format(start, "j F Y")}}
            )  # fmt: skip
        days = _later_days(rule, start)
        times = [first, *(dates.wall_time(day, local.time().replace(fold=0), zone) for day in days)]
    except (OverflowError, ValueError):  # dates past the year 9999
        raise ActionError({"repeat": _("The repeats would go past the year 9999.")}) from None
    if len(times) < 2:
        raise ActionError(
            {"repeat_until": _("Nothing repeats by this date. Choose a later one, or turn "
                               "Repeat off.")}
        )  # fmt: skip
    return times


def _later_days(rule: Repeat, start: date) -> list[date]:
    days: list[date] = []
    for n in range(1, MAX_OCCURRENCES + 1):
        day = _nth_day(start, rule, n)
        if (rule.count is not None and n >= rule.count) or (rule.until and day > rule.until):
            return days
        days.append(day)
    raise ActionError(
        {"repeat_until": _("That makes more than %(most)s posts. Choose an earlier last date "
                           "or a longer interval.") % {"most": MAX_OCCURRENCES}}
    )  # fmt: skip


def check_rule_change(post: Post, rule: Repeat | None, *, scheduling: bool) -> None:
    """Refuse a new rule that could not take effect: a series keeps its rule; a post that is
    already scheduled starts repeating only when it is scheduled again."""
    if rule == rule_of(post):
        return
    if post.series_id is not None:
        raise ActionError(
            {"repeat": _("This post is part of a series, so how it repeats cannot change. "
                         "Cancel this and the later occurrences, then schedule a copy.")}
        )  # fmt: skip
    waiting = (Post.Status.SCHEDULED, Post.Status.AWAITING_APPROVAL)
    if rule is not None and post.status in waiting and not scheduling:
        raise ActionError(
            {"repeat": _("The post is already scheduled: schedule it again (with its time) "
                         "to create the repeats.")}
        )  # fmt: skip


@transaction.atomic
def create_series(first: Post, actor: User | None, times: list[datetime]) -> list[Post]:
    """Copies of `first` at each later time, scheduled like it (`first` is scheduled already),
    written together (actions.create_scheduled).

    An approval of the first post before it was scheduled covers the copies too: they are
    the same content. Where it is missing, they wait for it like the first post.
    """
    data = actions.post_input_of(first)
    copies = actions.create_scheduled(
        first.workspace,
        first.author,
        [(data, when) for when in times[1:]],
        waiting=actions.needs_approval(first),
        series_id=first.pk,
        approved_at=first.approved_at,
        approved_by=first.approved_by,
    )
    Post.objects.filter(pk=first.pk).update(series=first)
    first.series_id = first.pk
    record(
        first.workspace,
        actor,
        "post.repeated",
        f"{actions.post_label(first)} ({len(times)})",
    )
    return copies


def members(post: Post) -> QuerySet[Post]:
    """All posts of `post`'s series (itself included), in time order; none outside one."""
    if post.series_id is None:
        return Post.objects.none()
    return Post.objects.filter(series_id=post.series_id).order_by("scheduled_at", "id")


def _from(post: Post) -> QuerySet[Post]:
    """This occurrence and the later ones."""
    if post.scheduled_at is None:
        return members(post).filter(pk=post.pk)
    at = post.scheduled_at
    return members(post).filter(Q(scheduled_at__gt=at) | Q(scheduled_at=at, pk__gte=post.pk))


def cancellable_from(post: Post) -> int:
    """How many posts `cancel_from` would stop."""
    if post.series_id is None:
        return 0
    return _from(post).filter(deliveries__status__in=actions.OPEN).distinct().count()


@transaction.atomic
def cancel_from(post: Post, actor: User | None) -> int:
    """Cancel this occurrence and every later one; what was published stays published."""
    if post.series_id is None:
        raise ActionError(_("This post does not repeat."))
    open_posts = _from(post).filter(deliveries__status__in=actions.OPEN).distinct()
    ids = list(open_posts.values_list("pk", flat=True))
    actions.cancel_deliveries(ids)
    actions.refresh_post_statuses(ids)
    record(
        post.workspace,
        actor,
        "post.series_cancelled",
        f"{actions.post_label(post)} ({len(ids)})",
    )
    return len(ids)


def before_delete(post: Post) -> None:
    """The first post is going: the next occurrence leads the series from now on."""
    if post.series_id != post.pk:
        return
    rest = Post.objects.filter(series_id=post.pk).exclude(pk=post.pk)
    new_first = rest.order_by("scheduled_at", "id").first()
    if new_first is not None:
        rest.update(series=new_first)


def position(post: Post) -> tuple[int, int]:
    """(n, total): `post` is the n-th of the series' total posts."""
    ids = list(members(post).values_list("pk", flat=True))
    return (ids.index(post.pk) + 1 if post.pk in ids else 0), len(ids)


def every_label(rule: Repeat) -> str:
    labels = {
        Post.RepeatUnit.DAYS: ngettext("every day", "every %(n)s days", rule.every),
        Post.RepeatUnit.WEEKS: ngettext("every week", "every %(n)s weeks", rule.every),
        Post.RepeatUnit.MONTHS: ngettext("every month", "every %(n)s months", rule.every),
    }
    return labels.get(rule.unit, "") % {"n": rule.every}  # type: ignore[call-overload]


def describe(post: Post) -> str:
    """E.g. "Repeats every 2 weeks until 31 March 2027 (5 of 12)"; "" if it does not repeat."""
    rule = rule_of(post)
    if rule is None:
        return ""
    every = every_label(rule)
    if rule.until is not None:
        text = _("Repeats %(every)s until %(day)s") % {
            "every": every,
            "day": date_format(rule.until, "j F Y"),
        }
    else:
        count = rule.count or 0
        text = ngettext(
            "Repeats %(every)s, %(count)s time in all",
            "Repeats %(every)s, %(count)s times in all",
            count,
        ) % {"every": every, "count": count}
    if post.series_id is not None:
        n, total = position(post)
        text = _("%(rule)s (%(n)s of %(total)s)") % {"rule": text, "n": n, "total": total}
    return text
