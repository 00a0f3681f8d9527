"""The composer's form: one text, per-channel texts, the schedule and how it repeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from orkesteri.channels.models import Channel
from orkesteri.media.models import Asset
from orkesteri.publishing.actions import PostInput
from orkesteri.publishing.models import Post
from orkesteri.publishing.series import MAX_EVERY, MAX_OCCURRENCES, Repeat
from orkesteri.workspaces.models import Workspace

THREAD_SEPARATOR = "---"


class ComposeForm(forms.Form):
    text = forms.CharField(
        label=_("Text"), required=False, max_length=50_000, widget=forms.Textarea(attrs={"rows": 6})
    )
    channels = forms.TypedMultipleChoiceField(
        label=_("Channels"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    images = forms.TypedMultipleChoiceField(
        label=_("Images"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    watermark = forms.BooleanField(label=_("Add the brand logo to the images"), required=False)
    enhance = forms.BooleanField(label=_("Auto-enhance the images"), required=False)
    link = forms.URLField(
        label=_("Link"), required=False, max_length=2000, assume_scheme="https",
        help_text=_("Shown as a link card where the network has them, else added to the text."),
    )  # fmt: skip
    utm = forms.BooleanField(label=_("Add UTM parameters to the link"), required=False)
    short_link = forms.BooleanField(
        label=_("Count clicks with a short link"),
        required=False,
        help_text=_("Each channel gets its own short link; its clicks show under Short links."),
    )
    first_comment = forms.CharField(
        label=_("First comment"), required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )  # fmt: skip
    thread = forms.CharField(
        label=_("More parts (thread)"),
        required=False,
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Continue the post as a thread: separate the parts with a line of ---."),
    )
    pillar = forms.CharField(label=_("Pillar"), required=False, max_length=100)
    campaign = forms.CharField(label=_("Campaign"), required=False, max_length=100)
    notes = forms.CharField(
        label=_("Internal notes"), required=False, max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only your team sees these."),
    )  # fmt: skip
    scheduled_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    repeat = forms.BooleanField(label=_("Repeat this post"), required=False)
    repeat_every = forms.IntegerField(
        label=_("Every"), required=False, min_value=1, max_value=MAX_EVERY, initial=1,
        widget=forms.NumberInput(attrs={"class": "repeat-every"}),
    )  # fmt: skip
    repeat_unit = forms.ChoiceField(
        label=_("Days, weeks or months"),
        required=False,
        choices=Post.RepeatUnit.choices,
        initial=Post.RepeatUnit.WEEKS,
    )
    repeat_ends = forms.ChoiceField(
        label=_("Ends"),
        required=False,
        choices=[("count", _("After a number of times")), ("until", _("On a date"))],
        initial="count",
        widget=forms.RadioSelect,
    )
    repeat_count = forms.IntegerField(
        label=_("Times in all"), required=False, min_value=2, max_value=MAX_OCCURRENCES,
        widget=forms.NumberInput(attrs={"class": "repeat-count"}),
    )  # fmt: skip
    repeat_until = forms.DateField(
        label=_("Last date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.channel_list = list(Channel.objects.filter(workspace=workspace).publishable())
        self._choices("channels", [(c.pk, c.display_name) for c in self.channel_list])
        assets = Asset.objects.filter(workspace=workspace).order_by("-created_at")[:60]
        self.asset_list = list(assets)
        self._choices("images", [(a.pk, a.original_name) for a in self.asset_list])
        self.fields["repeat_count"].help_text = _("The first time included; at most %(most)s.") % {
            "most": MAX_OCCURRENCES
        }
        for channel in self.channel_list:
            self.fields[f"override_{channel.pk}"] = forms.CharField(
                label=_("Text for %(channel)s") % {"channel": channel.display_name},
                required=False,
                max_length=50_000,
                widget=forms.Textarea(
                    attrs={
                        "rows": 6,
                        "placeholder": _("Empty: this channel gets the text for all channels."),
                    }
                ),
            )

    def _choices(self, name: str, choices: list[tuple[int, str]]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean_scheduled_at(self) -> datetime | None:
        value: datetime | None = self.cleaned_data.get("scheduled_at")
        if value is None:
            return None
        # The browser sends a wall-clock time; it means the workspace's zone, not the server's.
        return value.replace(tzinfo=ZoneInfo(self.workspace.timezone))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("repeat"):
            return data
        if data.get("repeat_every") is None and "repeat_every" not in self.errors:
            self.add_error("repeat_every", _("Say how often it repeats."))
        if not data.get("repeat_unit"):
            self.add_error("repeat_unit", _("Choose days, weeks or months."))
        ends = data.get("repeat_ends") or "count"
        needed = "repeat_until" if ends == "until" else "repeat_count"
        if data.get(needed) is None and needed not in self.errors:
            self.add_error(
                needed,
                _("Choose the last date.") if ends == "until" else _("Say how many times in all."),
            )
        return data

    def repeat_rule(self) -> Repeat | None:
        data = self.cleaned_data
        if not data.get("repeat"):
            return None
        until = (data.get("repeat_ends") or "count") == "until"
        return Repeat(
            every=data["repeat_every"],
            unit=data["repeat_unit"],
            until=data.get("repeat_until") if until else None,
            count=None if until else data.get("repeat_count"),
        )

    def override_fields(self) -> list[tuple[Channel, forms.BoundField]]:
        return [(c, self[f"override_{c.pk}"]) for c in self.channel_list]

    def post_input(self) -> PostInput:
        data = self.cleaned_data
        parts = [
            p.strip()
            for p in "\n".join(data.get("thread", "").splitlines()).split(f"\n{THREAD_SEPARATOR}\n")
        ]
        return PostInput(
            text=data.get("text", ""),
            channel_ids=data.get("channels", []),
            overrides={
                c.pk: data[f"override_{c.pk}"]
                for c in self.channel_list
                if data.get(f"override_{c.pk}", "").strip()
            },
            link=data.get("link", ""),
            utm=data.get("utm", False),
            short_link=data.get("short_link", False),
            first_comment=data.get("first_comment", ""),
            pillar=data.get("pillar", ""),
            campaign=data.get("campaign", ""),
            notes=data.get("notes", ""),
            thread=[p for p in parts if p],
            media=data.get("images", []),
            watermark=data.get("watermark", False),
            enhance=data.get("enhance", False),
            repeat=self.repeat_rule(),
        )


def initial_of(data: PostInput) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "text": data.text,
        "channels": list(data.channel_ids),
        "link": data.link,
        "utm": data.utm,
        "short_link": data.short_link,
        "first_comment": data.first_comment,
        "pillar": data.pillar,
        "campaign": data.campaign,
        "notes": data.notes,
        "thread": f"\n{THREAD_SEPARATOR}\n".join(data.thread),
        "images": list(data.media),
        "watermark": data.watermark,
        "enhance": data.enhance,
    }
    initial.update({f"override_{pk}": text for pk, text in data.overrides.items()})
    if data.repeat is not None:
        initial.update(
            repeat=True,
            repeat_every=data.repeat.every,
            repeat_unit=data.repeat.unit,
            repeat_ends="until" if data.repeat.until else "count",
            repeat_until=data.repeat.until,
            repeat_count=data.repeat.count,
        )
    return initial
