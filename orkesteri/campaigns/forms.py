"""Forms of the campaign pages. Amounts read as the CSV import reads them: 12.50 or 12,50."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orkesteri.campaigns import csv_import
from orkesteri.campaigns.actions import CampaignInput, ResultInput, SpendInput
from orkesteri.campaigns.models import ZERO, Campaign, validate_currency
from orkesteri.campaigns.numbers import NumberError, parse_count, parse_money
from orkesteri.lib.validators import validate_one_line
from orkesteri.publishing.csv_import import DATE_ORDER_LABELS, DateOrder

# Offered in the currency field; any ISO 4217 code is accepted.
COMMON_CURRENCIES = (
    "EUR", "USD", "GBP", "SEK", "NOK", "DKK", "PLN", "CHF", "RUB", "UAH", "KZT", "BYN",
    "TRY", "JPY", "CNY", "INR", "BRL", "CAD", "AUD",
)  # fmt: skip


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MoneyField(forms.Field):
    """An amount of 0 or more with at most two decimals; a decimal comma is fine."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "maxlength": 40})

    def to_python(self, value: Any) -> Decimal | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            return parse_money(text)
        except NumberError as e:
            raise ValidationError(str(e), code="invalid") from None

    def prepare_value(self, value: Any) -> Any:
        return f"{value:.2f}" if isinstance(value, Decimal) else value


class CountField(forms.Field):
    """A whole number of 0 or more; "12 345" is fine."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 30})

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()
        if not text:
            return None
        try:
            return parse_count(text)
        except NumberError as e:
            raise ValidationError(str(e), code="invalid") from None


class CurrencyField(forms.CharField):
    """An ISO 4217 code, in capitals whatever was typed."""

    default_validators = [validate_currency]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Currency"))
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"list": "currency-list", "autocapitalize": "characters", "size": 5}
            ),
        )
        super().__init__(max_length=3, **kwargs)

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).upper()


class CampaignForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        validators=[validate_one_line],
        help_text=_("Posts whose campaign field holds this name belong to the campaign."),
    )
    starts_on = forms.DateField(label=_("Starts on"), widget=_date_input())
    ends_on = forms.DateField(label=_("Ends on"), widget=_date_input())
    currency = CurrencyField(
        help_text=_(
            "ISO 4217 code, like EUR. Spend and results are recorded in this currency; "
            "Orkesteri does not convert currencies yet."
        )
    )
    budget = MoneyField(
        label=_("Ad budget"),
        required=False,
        help_text=_("What you plan to spend on ads. Empty or 0: no set budget."),
    )
    other_costs = MoneyField(
        label=_("Other costs"),
        required=False,
        help_text=_("Production, fees and other costs that are not ad spend. They count in ROI."),
    )
    goal = forms.CharField(
        label=_("Goal"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the campaign should achieve, e.g. 200 sign-ups at under €5 each."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The campaign ends before it starts."))
        return data

    def campaign_input(self) -> CampaignInput:
        d = self.cleaned_data
        return CampaignInput(
            name=d["name"],
            currency=d["currency"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            budget=d["budget"] or ZERO,
            other_costs=d["other_costs"] or ZERO,
            goal=d["goal"],
        )


def campaign_initial(campaign: Campaign) -> dict[str, Any]:
    return {
        "name": campaign.name,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "currency": campaign.currency,
        "budget": campaign.budget,
        "other_costs": campaign.other_costs,
        "goal": campaign.goal,
    }


class SpendForm(forms.Form):
    platform = forms.CharField(
        label=_("Ad platform"),
        max_length=100,
        validators=[validate_one_line],
        widget=forms.TextInput(attrs={"list": "platform-list"}),
    )
    amount = MoneyField(label=_("Amount"))
    currency = CurrencyField()
    starts_on = forms.DateField(label=_("From"), widget=_date_input())
    ends_on = forms.DateField(
        label=_("To"),
        required=False,
        widget=_date_input(),
        help_text=_("Empty: the spend is for one day."),
    )
    impressions = CountField(
        label=_("Impressions"), required=False, help_text=_("As the ad platform reports them.")
    )
    clicks = CountField(
        label=_("Clicks"), required=False, help_text=_("As the ad platform reports them.")
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, validators=[validate_one_line]
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", _("The end date is before the start date."))
        return data

    def spend_input(self) -> SpendInput:
        d = self.cleaned_data
        starts_on: date = d["starts_on"]
        return SpendInput(
            platform=d["platform"],
            amount=d["amount"],
            currency=d["currency"],
            starts_on=starts_on,
            ends_on=d["ends_on"] or starts_on,
            impressions=d["impressions"],
            clicks=d["clicks"],
            note=d["note"],
        )


class ResultForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=_date_input())
    conversions = CountField(
        label=_("Conversions"),
        required=False,
        help_text=_("Sales, sign-ups or whatever the campaign's goal counts."),
    )
    revenue = MoneyField(label=_("Revenue"), required=False)
    currency = CurrencyField()
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, validators=[validate_one_line]
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        empty = data.get("conversions") is None and data.get("revenue") is None
        if empty and "conversions" not in self.errors and "revenue" not in self.errors:
            self.add_error("conversions", _("Give the conversions, the revenue, or both."))
        return data

    def result_input(self) -> ResultInput:
        d = self.cleaned_data
        return ResultInput(
            on=d["on"],
            conversions=d["conversions"] or 0,
            revenue=d["revenue"] if d["revenue"] is not None else ZERO,
            currency=d["currency"],
            note=d["note"],
        )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    date_order = forms.ChoiceField(
        label=_("Dates like 03/04/2026 mean"),
        choices=[(k.value, v) for k, v in DATE_ORDER_LABELS.items()],
        initial=DateOrder.DMY.value,
        widget=forms.RadioSelect,
        help_text=_("Dates written 2026-04-03 are read the same either way."),
    )
    platform = forms.CharField(
        label=_("Ad platform"),
        required=False,
        max_length=100,
        validators=[validate_one_line],
        widget=forms.TextInput(attrs={"list": "platform-list"}),
        help_text=_("For the rows whose platform column is empty."),
    )

    def __init__(self, *args: Any, kind: csv_import.Kind, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "UTF-8 text, comma or semicolon between columns, at most %(rows)s rows and %(mb)s MB."
        ) % {"rows": f"{csv_import.MAX_ROWS:,}", "mb": csv_import.MAX_BYTES // 2**20}
        if kind != csv_import.Kind.SPEND:
            del self.fields["platform"]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > csv_import.MAX_BYTES:
            raise ValidationError(csv_import.too_big_message())
        return upload
