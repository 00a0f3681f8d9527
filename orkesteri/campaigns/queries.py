"""Campaign figures for pages, CSV exports, dashboards and the API: read-only queries.

A period (`start`, `end`, dates in the workspace's calendar, both included, None = open)
counts the results dated in it, and the part of each spend entry and of the campaign's other
costs that falls in it, spread evenly over their days (docs/campaigns.md, "Periods").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Count, QuerySet, Sum

from orkesteri.campaigns import roi
from orkesteri.campaigns.models import Campaign, Result, Spend
from orkesteri.campaigns.roi import CampaignSummary
from orkesteri.publishing.models import Post
from orkesteri.workspaces.models import Workspace

ONE = Decimal(1)


@dataclass
class _ResultSums:
    conversions: int
    revenue: Decimal


@dataclass
class _Sums:
    spend: Decimal = Decimal(0)
    impressions: Decimal | None = None
    clicks: Decimal | None = None


def campaign_summaries(
    workspace: Workspace,
    start: date | None = None,
    end: date | None = None,
    extra_clicks: Mapping[str, int] | None = None,
) -> list[CampaignSummary]:
    """Every campaign of the workspace that runs in the period or has figures in it, newest
    first. `extra_clicks` maps a campaign name (any case) to clicks counted elsewhere, such
    as short-link clicks, added to the clicks the ad platforms report."""
    campaigns = Campaign.objects.filter(workspace=workspace)
    found = summarize(campaigns, start, end, extra_clicks)
    return [s for s in found if _runs_in(s, start, end) or _has_figures(s)]


def summary_of(
    campaign: Campaign,
    start: date | None = None,
    end: date | None = None,
    extra_clicks: int | None = None,
) -> CampaignSummary:
    extra = {campaign.name: extra_clicks} if extra_clicks else None
    return summarize([campaign], start, end, extra)[0]


def summarize(
    campaigns: Iterable[Campaign],
    start: date | None = None,
    end: date | None = None,
    extra_clicks: Mapping[str, int] | None = None,
) -> list[CampaignSummary]:
    items = list(campaigns)
    ids = [c.pk for c in items]
    spends = _spend_sums(ids, start, end)
    results = _result_sums(ids, start, end)
    extra = {name.casefold(): n for name, n in (extra_clicks or {}).items()}
    return [_summary(c, spends[c.pk], results.get(c.pk), extra, start, end) for c in items]


def _summary(
    campaign: Campaign,
    sums: _Sums,
    results: _ResultSums | None,
    extra: Mapping[str, int],
    start: date | None,
    end: date | None,
) -> CampaignSummary:
    clicks = _whole(sums.clicks)
    more = extra.get(campaign.name.casefold())
    if more:
        clicks = (clicks or 0) + more
    other = roi.prorate(campaign.other_costs, campaign.starts_on, campaign.ends_on, start, end)
    return CampaignSummary(
        id=campaign.pk,
        name=campaign.name,
        currency=campaign.currency,
        starts_on=campaign.starts_on,
        ends_on=campaign.ends_on,
        budget=campaign.budget,
        spend=sums.spend.quantize(roi.CENTS),
        other_costs=other.quantize(roi.CENTS),
        impressions=_whole(sums.impressions),
        clicks=clicks,
        conversions=results.conversions if results else None,
        revenue=results.revenue.quantize(roi.CENTS) if results else None,
    )


def _spend_sums(ids: list[int], start: date | None, end: date | None) -> defaultdict[int, _Sums]:
    rows = Spend.objects.filter(campaign_id__in=ids)
    if start:
        rows = rows.filter(ends_on__gte=start)
    if end:
        rows = rows.filter(starts_on__lte=end)
    sums: defaultdict[int, _Sums] = defaultdict(_Sums)
    fields = ("campaign_id", "amount", "starts_on", "ends_on", "impressions", "clicks")
    for campaign_id, amount, starts_on, ends_on, impressions, clicks in rows.values_list(*fields):
        share = roi.prorate(ONE, starts_on, ends_on, start, end)
        s = sums[campaign_id]
        s.spend += amount * share
        if impressions is not None:
            s.impressions = (s.impressions or 0) + impressions * share
        if clicks is not None:
            s.clicks = (s.clicks or 0) + clicks * share
    return sums


def _result_sums(ids: list[int], start: date | None, end: date | None) -> dict[int, _ResultSums]:
    """Per campaign that has results in the period; a campaign without any is not in it."""
    rows = Result.objects.filter(campaign_id__in=ids)
    if start:
        rows = rows.filter(on__gte=start)
    if end:
        rows = rows.filter(on__lte=end)
    totals = rows.values("campaign_id").annotate(
        conversions=Sum("conversions"), revenue=Sum("revenue")
    )
    return {
        t["campaign_id"]: _ResultSums(int(t["conversions"] or 0), Decimal(t["revenue"] or 0))
        for t in totals
    }


def _whole(value: Decimal | None) -> int | None:
    return None if value is None else int(value.quantize(ONE, rounding=ROUND_HALF_EVEN))


def _runs_in(s: CampaignSummary, start: date | None, end: date | None) -> bool:
    return (start is None or s.ends_on >= start) and (end is None or s.starts_on <= end)


def _has_figures(s: CampaignSummary) -> bool:
    return bool(s.spend) or s.revenue is not None or s.impressions is not None


# --- per platform ----------------------------------------------------------------------


@dataclass(frozen=True)
class PlatformTotal:
    platform: str
    spend: Decimal
    impressions: int | None
    clicks: int | None

    @property
    def cpc(self) -> Decimal | None:
        value = roi.cpc(self.spend, self.clicks)
        return None if value is None else value.quantize(roi.UNIT_PLACES)

    @property
    def cpm(self) -> Decimal | None:
        value = roi.cpm(self.spend, self.impressions)
        return None if value is None else value.quantize(roi.UNIT_PLACES)


def platform_totals(campaign: Campaign) -> list[PlatformTotal]:
    """The campaign's whole spend by ad platform, largest first."""
    return platform_totals_of(Spend.objects.filter(campaign=campaign))


def platform_totals_of(spends: Iterable[Spend]) -> list[PlatformTotal]:
    """Spend entries already read, totalled by ad platform, largest first."""
    totals: dict[str, PlatformTotal] = {}
    for e in spends:
        t = totals.get(e.platform)
        totals[e.platform] = (
            PlatformTotal(e.platform, e.amount, e.impressions, e.clicks)
            if t is None
            else PlatformTotal(
                e.platform,
                t.spend + e.amount,
                _plus(t.impressions, e.impressions),
                _plus(t.clicks, e.clicks),
            )
        )
    return sorted(totals.values(), key=lambda p: (-p.spend, p.platform))


def _plus(a: int | None, b: int | None) -> int | None:
    """A sum that, like SQL's SUM, is missing only when every part is."""
    return a if b is None else b if a is None else a + b


# --- posts -----------------------------------------------------------------------------


@dataclass
class PostCampaigns:
    counts: dict[str, int]  # posts per campaign name, case-folded as campaigns match names
    names: list[str]  # the names as written, once each (in any case), sorted


def post_campaigns(workspace: Workspace, limit: int = 200) -> PostCampaigns:
    """The campaign names the workspace's posts use, with their posts counted: one query."""
    rows = (
        Post.objects.filter(workspace=workspace)
        .exclude(campaign="")
        .values("campaign")
        .annotate(n=Count("id"))
        .order_by("campaign")
    )
    counts: dict[str, int] = defaultdict(int)
    found: dict[str, str] = {}
    for row in rows:
        name = row["campaign"]
        counts[name.casefold()] += row["n"]
        found.setdefault(name.casefold(), name)
    return PostCampaigns(counts, list(found.values())[:limit])


def post_counts(workspace: Workspace) -> dict[str, int]:
    """Posts per campaign name (case-folded, as campaigns match names)."""
    return post_campaigns(workspace).counts


def post_campaign_names(workspace: Workspace, limit: int = 200) -> list[str]:
    """The campaign names the workspace's posts use, once each (in any case), sorted."""
    return post_campaigns(workspace, limit).names


def posts_of(campaign: Campaign) -> QuerySet[Post]:
    """The workspace's posts whose campaign is this campaign's name, in any case.

    Matched in Python: SQLite's LOWER() and LIKE fold only ASCII letters."""
    names = (
        Post.objects.filter(workspace_id=campaign.workspace_id)
        .exclude(campaign="")
        .values_list("campaign", flat=True)
        .distinct()
    )
    wanted = [n for n in names if n.casefold() == campaign.name.casefold()]
    return Post.objects.filter(workspace_id=campaign.workspace_id, campaign__in=wanted)
