"""Every change to campaigns, their spend and their results goes through here and is audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from orkesteri.accounts.models import User
from orkesteri.campaigns.models import ZERO, Campaign, Result, Spend
from orkesteri.campaigns.roi import CENTS
from orkesteri.workspaces.actions import ActionError, record
from orkesteri.workspaces.models import Workspace


@dataclass
class CampaignInput:
    name: str
    currency: str
    starts_on: date
    ends_on: date
    budget: Decimal = ZERO
    other_costs: Decimal = ZERO
    goal: str = ""


@dataclass
class SpendInput:
    platform: str
    amount: Decimal
    starts_on: date
    ends_on: date
    currency: str = ""  # empty: the campaign's
    impressions: int | None = None
    clicks: int | None = None
    note: str = ""


@dataclass
class ResultInput:
    on: date
    conversions: int = 0
    revenue: Decimal = ZERO
    currency: str = ""  # empty: the campaign's
    note: str = ""
    source: str = Result.Source.MANUAL


def _checked(obj: models.Model, exclude: Sequence[str] = ()) -> None:
    """Field rules and the model's clean(), as an ActionError naming each field."""
    try:
        obj.full_clean(exclude=exclude, validate_constraints=False)
    except ValidationError as e:
        errors = {
            ("" if field == NON_FIELD_ERRORS else field): " ".join(messages)
            for field, messages in e.message_dict.items()
        }
        raise ActionError(errors) from None


# --- campaigns -------------------------------------------------------------------------


def _cents(value: Decimal) -> Decimal:
    """1500 as 1500.00; more decimals are left for the field's check to refuse."""
    exponent = value.as_tuple().exponent
    return value if isinstance(exponent, int) and exponent < -2 else value.quantize(CENTS)


def _apply(campaign: Campaign, data: CampaignInput) -> None:
    campaign.name = data.name.strip()
    campaign.currency = data.currency.strip().upper()
    campaign.starts_on, campaign.ends_on = data.starts_on, data.ends_on
    campaign.budget, campaign.other_costs = _cents(data.budget), _cents(data.other_costs)
    campaign.goal = data.goal.strip()


def _save(campaign: Campaign) -> None:
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        # Another request took the name between the check and the write.
        raise ActionError(
            {"name": _("This workspace already has a campaign called “%(name)s”.")
             % {"name": campaign.name}}, status=409,
        ) from None  # fmt: skip


def create_campaign(workspace: Workspace, actor: User | None, data: CampaignInput) -> Campaign:
    campaign = Campaign(workspace=workspace)
    _apply(campaign, data)
    _checked(campaign)
    with transaction.atomic():
        _save(campaign)
        record(workspace, actor, "campaign.created", campaign.name)
    return campaign


def update_campaign(campaign: Campaign, actor: User | None, data: CampaignInput) -> Campaign:
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        before = {f: str(getattr(locked, f)) for f in _EDITABLE}
        _apply(locked, data)
        _checked(locked)
        if locked.currency != before["currency"] and _has_entries(locked):
            raise ActionError(
                {
                    "currency": _(
                        "The campaign already has spend or results in %(currency)s, so its "
                        "currency cannot change."
                    )
                    % {"currency": before["currency"]}
                }
            )
        _save(locked)
        changes = {
            f: [before[f], str(getattr(locked, f))]
            for f in _EDITABLE
            if before[f] != str(getattr(locked, f))
        }
        if changes:
            record(locked.workspace, actor, "campaign.changed", locked.name, changes)
    return locked


_EDITABLE = ("name", "currency", "starts_on", "ends_on", "budget", "other_costs", "goal")


def _has_entries(campaign: Campaign) -> bool:
    return campaign.spends.exists() or campaign.results.exists()


def delete_campaign(campaign: Campaign, actor: User | None) -> None:
    """The campaign with its spend and results; its posts stay, with their campaign name."""
    with transaction.atomic():
        record(campaign.workspace, actor, "campaign.deleted", campaign.name)
        campaign.delete()


# --- spend and results -----------------------------------------------------------------


def _spend(campaign: Campaign, data: SpendInput) -> Spend:
    spend = Spend(
        campaign=campaign,
        platform=data.platform.strip(),
        amount=_cents(data.amount),
        currency=(data.currency.strip().upper() or campaign.currency),
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        impressions=data.impressions,
        clicks=data.clicks,
        note=data.note.strip(),
    )
    _checked(spend, exclude=["campaign"])  # the caller's campaign: no query per row
    return spend


def _result(campaign: Campaign, data: ResultInput) -> Result:
    result = Result(
        campaign=campaign,
        on=data.on,
        conversions=data.conversions,
        revenue=_cents(data.revenue),
        currency=(data.currency.strip().upper() or campaign.currency),
        source=data.source,
        note=data.note.strip(),
    )
    _checked(result, exclude=["campaign"])
    return result


def build_entry(campaign: Campaign, data: SpendInput | ResultInput) -> Spend | Result:
    """The spend or result `data` describes, checked by the model's own rules (ActionError
    naming the field), unsaved: what an import's preview and its confirmation both run."""
    return _spend(campaign, data) if isinstance(data, SpendInput) else _result(campaign, data)


def _kind(entry: Spend | Result) -> str:
    return "spend" if isinstance(entry, Spend) else "result"


def _described(entry: Spend | Result) -> str:
    """The entry as the audit log shows it."""
    if isinstance(entry, Spend):
        return f"{entry.platform}: {entry.amount} {entry.currency}"
    return f"{entry.on}: {entry.conversions}, {entry.revenue}"


def _add_entry(entry: Spend | Result, actor: User | None) -> None:
    campaign, kind = entry.campaign, _kind(entry)
    with transaction.atomic():
        entry.save()
        record(
            campaign.workspace,
            actor,
            f"campaign.{kind}_added",
            campaign.name,
            {kind: [None, _described(entry)]},
        )


def delete_entry(entry: Spend | Result, actor: User | None) -> None:
    """Delete a spend entry or result, audited."""
    campaign, kind = entry.campaign, _kind(entry)
    with transaction.atomic():
        record(
            campaign.workspace,
            actor,
            f"campaign.{kind}_deleted",
            campaign.name,
            {kind: [_described(entry), None]},
        )
        entry.delete()


def add_entry(campaign: Campaign, actor: User | None, data: SpendInput | ResultInput) -> None:
    """Record the spend or result `data` describes (ActionError naming the field)."""
    _add_entry(build_entry(campaign, data), actor)


def add_spend(campaign: Campaign, actor: User | None, data: SpendInput) -> Spend:
    spend = _spend(campaign, data)
    _add_entry(spend, actor)
    return spend


def add_result(campaign: Campaign, actor: User | None, data: ResultInput) -> Result:
    result = _result(campaign, data)
    _add_entry(result, actor)
    return result


# --- CSV import ------------------------------------------------------------------------


class ImportFailed(Exception):
    """A row could not be written; nothing was imported."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


@dataclass
class ImportRow:
    line: int  # the row of the file, for the error message
    campaign: Campaign
    data: SpendInput | ResultInput


def import_entries(
    workspace: Workspace, actor: User | None, rows: Sequence[ImportRow], source: str
) -> int:
    """Write every row (spend or results) in one transaction: all of them, or none.

    The campaigns are locked and read again first: one deleted, or whose currency changed,
    since the preview stops the import with the row that names it."""
    with transaction.atomic():
        ids = {r.campaign.pk for r in rows}
        current = {c.pk: c for c in Campaign.objects.select_for_update().filter(pk__in=ids)}
        spends: list[Spend] = []
        results: list[Result] = []
        for row in rows:
            campaign = current.get(row.campaign.pk)
            if campaign is None or campaign.workspace_id != workspace.pk:
                raise ImportFailed(
                    row.line,
                    _("The campaign “%(name)s” was deleted.") % {"name": row.campaign.name},
                )
            try:
                entry = build_entry(campaign, row.data)
                if isinstance(entry, Spend):
                    spends.append(entry)
                else:
                    results.append(entry)
            except ActionError as e:
                raise ImportFailed(row.line, str(e)) from None
        Spend.objects.bulk_create(spends)
        Result.objects.bulk_create(results)
        kind = "spend" if spends else "results"
        record(workspace, actor, f"campaign.{kind}_imported", source, {kind: [0, len(rows)]})
    return len(rows)
