"""Best time to post: a channel's weekday × hour performance map, shrunk toward a prior.

Pure: takes plain data (`PostScore`), reads no database and no clock; the caller passes `now`,
the workspace's zone and the prior. docs/best-time.md explains the same steps to users.

1. Window: the channel's posts published in [now − window, now), 16 weeks by default.
2. Performance index, so that channels of any size compare: scores are capped (winsorised) at
   `CAP_MULTIPLE` × the channel's median score, then divided by the mean of the capped scores,
   so the channel's average post in the window is exactly 1.0. Capping rather than taking logs:
   zero-engagement posts are common on small channels, and a log needs an offset whose effect
   depends on the metric's scale (engagements in hundreds, ER in hundredths).
3. Cells: weekday × hour in the workspace's zone, with zoneinfo (a post at 03:30 during the
   autumn fold is in the 03:00 cell whichever 03:30 it was).
4. Empirical-Bayes shrinkage: estimate = (n·mean + k·prior) / (n + k), with k = σ² / τ²
   estimated by the method of moments (`estimate_k`), so a cell with one post stays near the
   prior and a cell with dozens follows its own posts.
5. The prior gives the shape of the week (`Prior.weights`, relative, 1.0 = typical); its level
   is matched to the channel's: scaled so that, over the channel's own posts, prior and data
   have the same average. `workspace_prior` pools the workspace's other channels, else
   `DEFAULT_PRIOR` (published research, cited in docs/best-time.md).
"""

from __future__ import annotations

import enum
import math
import statistics
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol

WEEKDAYS = 7
HOURS = 24
CELLS = WEEKDAYS * HOURS  # index = weekday * 24 + hour, weekday 0 = Monday

DEFAULT_WINDOW = timedelta(weeks=16)
# A post counts for at most 5× the channel's median post: for log-normal engagement with
# σ = 1 (common for social posts) that is about the 95th percentile, so ordinary good posts
# keep their full value and only the viral tail is cut.
CAP_MULTIPLE = 5.0
# k is the number of posts a cell needs before its own mean and the prior weigh the same.
# Below 2 one lucky post would outweigh the prior; above 20 a cell with 30 posts would still
# be 40 % prior. When the data cannot tell (too few posts), K_DEFAULT: one post moves a cell
# a sixth of the way from the prior to its own mean, thirty posts 86 % of the way.
K_MIN = 2.0
K_MAX = 20.0
K_DEFAULT = 5.0
MIN_WITHIN_DF = 10  # posts minus non-empty cells needed to estimate the within-cell variance
MIN_CELLS_FOR_K = 3  # non-empty cells needed to estimate the between-cell variance
MIN_WORKSPACE_POSTS = 30  # other channels' posts needed before they replace the defaults
# Share of the map that comes from the channel's own posts (see `Heatmap.own_share`).
# High: on average the map is more the channel's own posts than the prior.
MEDIUM_CONFIDENCE_SHARE = 0.2
HIGH_CONFIDENCE_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class PostScore:
    """One published post: when, and its engagement (or ER, when followers are known)."""

    published_at: datetime
    score: float


class PriorSource(enum.StrEnum):
    WORKSPACE = "workspace"  # the workspace's other channels, pooled
    DEFAULTS = "defaults"  # published research (DEFAULT_PRIOR)


@dataclass(frozen=True, slots=True)
class Prior:
    """Relative performance of each weekday × hour cell (1.0 = typical), and where it is from."""

    weights: tuple[float, ...]  # CELLS values, index = weekday * 24 + hour
    source: PriorSource
    posts: int = 0  # posts behind a workspace prior

    def __post_init__(self) -> None:
        if len(self.weights) != CELLS:
            raise ValueError(
                f"a prior needs {CELLS} weights (7 days × 24 hours), got {len(self.weights)}"
            )
        if not all(math.isfinite(weight) and weight > 0 for weight in self.weights):
            raise ValueError("prior weights must be finite and greater than zero")

    def weight(self, weekday: int, hour: int) -> float:
        return self.weights[_index(weekday, hour)]


class Confidence(enum.StrEnum):
    LOW = "low"  # mostly the prior
    MEDIUM = "medium"
    HIGH = "high"  # mostly the channel's own posts


@dataclass(frozen=True, slots=True)
class Cell:
    weekday: int  # 0 = Monday
    hour: int  # 0..23, wall clock in the workspace's zone
    n: int  # the channel's posts in this cell in the window (shown to users)
    mean: float | None  # their mean performance index; None when n = 0
    prior: float  # the prior for this cell, on the channel's scale
    estimate: float  # shrunk: between `mean` and `prior`
    own_weight: float  # n / (n + k): the estimate's share that comes from the cell's posts


@dataclass(frozen=True, slots=True)
class Heatmap:
    cells: tuple[Cell, ...]  # CELLS cells, index = weekday * 24 + hour
    posts: int  # posts in the window
    window_start_at: datetime
    window_end_at: datetime
    k: float
    prior_source: PriorSource

    def cell(self, weekday: int, hour: int) -> Cell:
        return self.cells[_index(weekday, hour)]

    @property
    def rows(self) -> tuple[tuple[Cell, ...], ...]:
        """Seven rows (Monday first) of 24 cells, as the heatmap is drawn."""
        return tuple(self.cells[day * HOURS : (day + 1) * HOURS] for day in range(WEEKDAYS))

    @property
    def cells_with_posts(self) -> int:
        return sum(1 for cell in self.cells if cell.n)

    @property
    def own_share(self) -> float:
        """How much of the map comes from the channel's own posts (0: all prior, 1: all own)."""
        return statistics.fmean(cell.own_weight for cell in self.cells)

    @property
    def confidence(self) -> Confidence:
        share = self.own_share
        if share >= HIGH_CONFIDENCE_SHARE:
            return Confidence.HIGH
        if share >= MEDIUM_CONFIDENCE_SHARE:
            return Confidence.MEDIUM
        return Confidence.LOW


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """A queue slot: a wall-clock time on a weekday in the workspace's zone (like QueueSlot)."""

    weekday: int  # 0 = Monday
    time: time


class SlotLike(Protocol):
    @property
    def weekday(self) -> int: ...

    @property
    def time(self) -> time: ...


def _default_weights() -> tuple[float, ...]:
    """DEFAULT_PRIOR: Sprout Social's 2023 "best times to post" findings as day × hour factors.

    The study publishes heatmaps and best windows, not numbers: Tuesday to Thursday 9:00 to
    noon best, weekday mornings good, Sunday worst. The factors below are our encoding of
    that (docs/best-time.md cites the study); only their relative sizes matter.
    """
    days = (1.0, 1.1, 1.1, 1.1, 1.0, 0.85, 0.8)  # Monday .. Sunday
    hours = (
        *(0.5, 0.45, 0.4, 0.4, 0.45, 0.55),  # 00-05: night
        *(0.7, 0.85, 1.05, 1.3, 1.3, 1.3),  # 06-11: the peak is 09:00 to noon
        *(1.15, 1.1, 1.0, 1.0, 0.95, 0.95),  # 12-17
        *(0.9, 0.9, 0.85, 0.8, 0.7, 0.6),  # 18-23
    )
    weights = [day * hour for day in days for hour in hours]
    mean = statistics.fmean(weights)
    return tuple(weight / mean for weight in weights)


DEFAULT_PRIOR = Prior(_default_weights(), PriorSource.DEFAULTS)


def performance_index(scores: Sequence[float]) -> list[float]:
    """Each score relative to the channel's typical post, capped: the mean of the result is 1.

    The cap is CAP_MULTIPLE × the median (the mean when more than half the posts scored zero).
    When every score is zero the posts cannot be told apart and each gets 1.0.
    """
    if not scores:
        return []
    typical = statistics.median(scores) or statistics.fmean(scores)
    if typical <= 0:
        return [1.0] * len(scores)
    cap = CAP_MULTIPLE * typical
    capped = [min(score, cap) for score in scores]
    mean = statistics.fmean(capped)
    return [score / mean for score in capped]


def shrink(n: int, mean: float | None, prior: float, k: float) -> float:
    """(n·mean + k·prior) / (n + k): the prior exactly when n = 0, the mean as n grows."""
    if n == 0 or mean is None:
        return prior
    # Written as a step from the prior towards the mean so that the result never leaves the
    # interval between them, rounding included.
    return prior + (mean - prior) * (n / (n + k))


def estimate_k(values: Sequence[Sequence[float]], priors: Sequence[float]) -> float:
    """k = σ² / τ² by the method of moments, clamped to [K_MIN, K_MAX].

    σ² (within cells): the pooled variance of posts around their cell's mean, Σ(y − ȳ_c)² / (N − C)
    over the C cells with posts. τ² (between cells): how far true cell means sit from the prior,
    from E[(ȳ_c − prior_c)²] = τ² + σ²/n_c averaged over those cells. Too few posts to tell
    (N − C < MIN_WITHIN_DF or C < MIN_CELLS_FOR_K): K_DEFAULT. No spread beyond noise (τ² ≤ 0):
    K_MAX, trust the prior. No noise (σ² = 0): K_MIN, trust the cells.
    """
    filled = [(cell, prior) for cell, prior in zip(values, priors, strict=True) if cell]
    posts = sum(len(cell) for cell, _ in filled)
    within_df = posts - len(filled)
    if within_df < MIN_WITHIN_DF or len(filled) < MIN_CELLS_FOR_K:
        return K_DEFAULT
    # Per cell: n, squared distance of its mean from the prior, sum of squares around its mean.
    stats = [_cell_moments(cell, prior) for cell, prior in filled]
    sigma2 = sum(squares for _, _, squares in stats) / within_df
    tau2 = statistics.fmean(distance - sigma2 / n for n, distance, _ in stats)
    if tau2 <= 0:
        return K_MAX
    return min(max(sigma2 / tau2, K_MIN), K_MAX)


def _cell_moments(cell: Sequence[float], prior: float) -> tuple[int, float, float]:
    mean = statistics.fmean(cell)
    return len(cell), (mean - prior) ** 2, sum((value - mean) ** 2 for value in cell)


def build_heatmap(
    posts: Iterable[PostScore],
    zone: str | zoneinfo.ZoneInfo,
    *,
    now: datetime,
    prior: Prior = DEFAULT_PRIOR,
    window: timedelta = DEFAULT_WINDOW,
) -> Heatmap:
    """The channel's best-time heatmap from its own posts in [now − window, now)."""
    start_at, end_at = _window(now, window)
    recent = _in_window(posts, start_at, end_at)
    values = _by_cell(recent, _zone(zone))
    priors, k, estimates = _shrink_cells(values, prior.weights)
    cells = tuple(
        Cell(
            weekday=index // HOURS,
            hour=index % HOURS,
            n=len(values[index]),
            mean=statistics.fmean(values[index]) if values[index] else None,
            prior=priors[index],
            estimate=estimates[index],
            own_weight=len(values[index]) / (len(values[index]) + k),
        )
        for index in range(CELLS)
    )
    return Heatmap(cells, len(recent), start_at, end_at, k, prior.source)


def workspace_prior(
    other_channels: Iterable[Iterable[PostScore]],
    zone: str | zoneinfo.ZoneInfo,
    *,
    now: datetime,
    window: timedelta = DEFAULT_WINDOW,
    defaults: Prior = DEFAULT_PRIOR,
) -> Prior:
    """The prior for one channel: the workspace's other channels pooled, else `defaults`.

    Each channel is indexed against itself first, so a large channel does not outweigh a
    small one. With fewer than MIN_WORKSPACE_POSTS posts in the window between them, the
    defaults are returned as they are. The pooled cell means are themselves shrunk toward the
    defaults: a cell seen once in another channel must not become the prior on its own.
    """
    tz = _zone(zone)
    start_at, end_at = _window(now, window)
    values: list[list[float]] = [[] for _ in range(CELLS)]
    total = 0
    for posts in other_channels:
        recent = _in_window(posts, start_at, end_at)
        for index, cell in enumerate(_by_cell(recent, tz)):
            values[index].extend(cell)
        total += len(recent)
    if total < MIN_WORKSPACE_POSTS:
        return defaults
    _, _, estimates = _shrink_cells(values, defaults.weights)
    mean = statistics.fmean(estimates)
    return Prior(tuple(value / mean for value in estimates), PriorSource.WORKSPACE, posts=total)


def suggest_slots(
    heatmap: Heatmap,
    count: int = 7,
    min_gap_hours: float = 3,
    per_day_max: int = 2,
    existing: Iterable[SlotLike] = (),
) -> list[Slot]:
    """The best cells as queue slots (on the hour), sorted by weekday then time.

    Cells are taken best estimate first (ties: earlier in the week, then earlier in the day),
    skipping a cell when its day already has `per_day_max` suggestions or when it is less
    than `min_gap_hours` from a suggestion or an `existing` slot on the same day. Existing
    slots are never suggested again; they do not count towards `per_day_max`.
    """
    if count < 0 or min_gap_hours < 0 or per_day_max < 1:
        raise ValueError("count and min_gap_hours must be zero or more, per_day_max one or more")
    taken = {Slot(slot.weekday, slot.time) for slot in existing}
    chosen: list[Slot] = []
    per_day = [0] * WEEKDAYS
    ranked = sorted(heatmap.cells, key=lambda cell: (-cell.estimate, cell.weekday, cell.hour))
    for cell in ranked:
        if len(chosen) >= count:
            break
        slot = Slot(cell.weekday, time(cell.hour))
        if slot in taken or per_day[slot.weekday] >= per_day_max:
            continue
        if _too_close(slot, [*chosen, *taken], min_gap_hours):
            continue
        chosen.append(slot)
        per_day[slot.weekday] += 1
    return sorted(chosen)


def _too_close(slot: Slot, others: Iterable[Slot], min_gap_hours: float) -> bool:
    minutes = _minutes(slot.time)
    return any(
        other.weekday == slot.weekday and abs(_minutes(other.time) - minutes) < min_gap_hours * 60
        for other in others
    )


def _minutes(at: time) -> float:
    return at.hour * 60 + at.minute + at.second / 60


def _shrink_cells(
    values: Sequence[Sequence[float]], weights: Sequence[float]
) -> tuple[list[float], float, list[float]]:
    """The prior on the channel's scale, k, and each cell's shrunk estimate."""
    priors = _scaled_prior(weights, values)
    k = estimate_k(values, priors)
    estimates = [
        shrink(len(cell), statistics.fmean(cell) if cell else None, prior, k)
        for cell, prior in zip(values, priors, strict=True)
    ]
    return priors, k, estimates


def _scaled_prior(weights: Sequence[float], values: Sequence[Sequence[float]]) -> list[float]:
    """The prior's shape at the data's level: equal averages over the cells' posts.

    Performance indices average 1.0 over the channel's posts; a channel that always posts at
    peak hours would otherwise find its cells "worse than the prior" everywhere it posts.
    """
    posts = sum(len(cell) for cell in values)
    if posts == 0:
        return list(weights)
    expected = sum(len(cell) * weight for cell, weight in zip(values, weights, strict=True))
    scale = sum(sum(cell) for cell in values) / expected
    return [weight * scale for weight in weights]


def _by_cell(posts: Sequence[PostScore], tz: zoneinfo.ZoneInfo) -> list[list[float]]:
    values: list[list[float]] = [[] for _ in range(CELLS)]
    indices = performance_index([post.score for post in posts])
    for post, index in zip(posts, indices, strict=True):
        local = post.published_at.astimezone(tz)
        values[local.weekday() * HOURS + local.hour].append(index)
    return values


def _in_window(posts: Iterable[PostScore], start_at: datetime, end_at: datetime) -> list[PostScore]:
    recent = []
    for post in posts:
        _check(post)
        if start_at <= post.published_at < end_at:
            recent.append(post)
    return recent


def _check(post: PostScore) -> None:
    if post.published_at.utcoffset() is None:
        raise ValueError(f"published_at must be timezone-aware, got {post.published_at!r}")
    if not math.isfinite(post.score) or post.score < 0:
        raise ValueError(
            f"score must be a finite number, zero or more; got {post.score!r} "
            f"for the post published at {post.published_at.isoformat()}"
        )


def _window(now: datetime, window: timedelta) -> tuple[datetime, datetime]:
    """[start, end) in UTC: aware arithmetic in a local zone would be wall-clock arithmetic,
    an hour off across a DST change."""
    if now.utcoffset() is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    if window <= timedelta(0):
        raise ValueError(f"window must be longer than zero, got {window}")
    end_at = now.astimezone(UTC)
    return end_at - window, end_at


def _zone(zone: str | zoneinfo.ZoneInfo) -> zoneinfo.ZoneInfo:
    return zone if isinstance(zone, zoneinfo.ZoneInfo) else zoneinfo.ZoneInfo(zone)


def _index(weekday: int, hour: int) -> int:
    if not (0 <= weekday < WEEKDAYS and 0 <= hour < HOURS):
        raise ValueError(f"weekday must be 0..6 and hour 0..23, got {weekday} and {hour}")
    return weekday * HOURS + hour
