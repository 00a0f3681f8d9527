"""Campaigns: a budgeted promotion, what its ads cost (Spend) and what it brought (Result).

A campaign matches the posts whose `campaign` field holds its name. Money is a Decimal with
two places in the campaign's currency: a spend or a result in another currency is refused,
because this version keeps no exchange rates (docs/campaigns.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from babel.numbers import is_currency
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.timezone import now
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orkesteri.lib.validators import validate_one_line

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

MAX_DIGITS = 14  # up to 999,999,999,999.99
ZERO = Decimal("0.00")
PLATFORMS = ("Meta Ads", "Google Ads", "VK Ads", "Telegram Ads", "TikTok Ads", "Other")


def validate_currency(value: str) -> None:
    if not is_currency(value):
        raise ValidationError(
            gettext("“%(code)s” is not an ISO 4217 currency code like EUR or USD.")
            % {"code": value},
            code="currency",
        )


def validate_no_nul(value: str) -> None:
    # PostgreSQL text cannot hold U+0000 (a 500 there); SQLite would store it.
    if "\x00" in value:
        raise ValidationError(gettext("Remove the null characters."), code="nul")


def currency_mismatch(entry: str, campaign: Campaign) -> str:
    """Why an amount in `entry` currency cannot join `campaign` (no exchange rates yet)."""
    return gettext(
        "This campaign counts in %(campaign)s, not %(entry)s. Orkesteri does not convert "
        "currencies yet: convert the amount to %(campaign)s first."
    ) % {"campaign": campaign.currency, "entry": entry}


def money(verbose_name: str | StrPromise, **kwargs: Any) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(
        verbose_name,
        max_digits=MAX_DIGITS,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
        **kwargs,
    )


class Campaign(models.Model):
    """A budgeted promotion with goals; its posts are those with its name as their campaign."""

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="campaigns"
    )
    name = models.CharField(_("name"), max_length=100, validators=[validate_one_line])
    budget = money(
        _("ad budget"),
        default=ZERO,
        help_text=_("What you plan to spend on ads; 0 if there is no set budget."),
    )
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    goal = models.TextField(_("goal"), blank=True, max_length=2000, validators=[validate_no_nul])
    other_costs = money(
        _("other costs"),
        default=ZERO,
        help_text=_("Production, fees and everything else that is not ad spend; counts in ROI."),
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-starts_on", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"), "workspace", name="campaign_name_once_per_workspace"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="campaign_dates"
            ),
            models.CheckConstraint(
                condition=models.Q(budget__gte=0, other_costs__gte=0), name="campaign_money"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = gettext("The campaign ends before it starts.")
        if self.name and self.workspace_id and self._name_taken():
            errors["name"] = gettext("This workspace already has a campaign called “%(name)s”.") % {
                "name": self.name
            }
        if errors:
            raise ValidationError(errors)

    def _name_taken(self) -> bool:
        # Case-folded in Python: SQLite's LOWER() folds only ASCII, so the constraint alone
        # would let "Äpple" and "äpple" both in, and posts match names in any case.
        others = Campaign.objects.filter(workspace_id=self.workspace_id).exclude(pk=self.pk)
        key = self.name.strip().casefold()
        return any(n.casefold() == key for n in others.values_list("name", flat=True))


class Spend(models.Model):
    """What the ads of one platform cost over some days, with the counts the platform reports."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="spends")
    platform = models.CharField(_("ad platform"), max_length=100, validators=[validate_one_line])
    amount = money(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    impressions = models.PositiveBigIntegerField(_("impressions"), null=True, blank=True)
    clicks = models.PositiveBigIntegerField(_("clicks"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True, validators=[validate_one_line])
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="spend_dates"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="spend_amount"),
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.amount} {self.currency}"

    def clean(self) -> None:
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = gettext("The end date is before the start date.")
        if self.campaign_id and self.currency and self.currency != self.campaign.currency:
            errors["currency"] = currency_mismatch(self.currency, self.campaign)
        if errors:
            raise ValidationError(errors)


class Result(models.Model):
    """Conversions and revenue the campaign brought on one day, typed in or imported."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Typed in")
        CSV = "csv", _("CSV import")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="results")
    on = models.DateField(_("date"))
    conversions = models.PositiveIntegerField(_("conversions"), default=0)
    revenue = money(_("revenue"), default=ZERO)
    currency = models.CharField(_("currency"), max_length=3, validators=[validate_currency])
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    note = models.CharField(_("note"), max_length=500, blank=True, validators=[validate_one_line])
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(revenue__gte=0), name="result_revenue"),
        ]

    def __str__(self) -> str:
        return f"{self.on}: {self.conversions}, {self.revenue} {self.currency}"

    def clean(self) -> None:
        if self.campaign_id and self.currency and self.currency != self.campaign.currency:
            raise ValidationError({"currency": currency_mismatch(self.currency, self.campaign)})
