"""The composer's form: one text, per-channel texts, the schedule."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from orkesteri.channels.models import Channel
from orkesteri.media.models import Asset
from orkesteri.publishing.actions import PostInput
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

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.channel_list = list(Channel.objects.filter(workspace=workspace))
        self._choices("channels", [(c.pk, c.display_name) for c in self.channel_list])
        assets = Asset.objects.filter(workspace=workspace).order_by("-created_at")[:60]
        self.asset_list = list(assets)
        self._choices("images", [(a.pk, a.original_name) for a in self.asset_list])
        for channel in self.channel_list:
            self.fields[f"override_{channel.pk}"] = forms.CharField(
                label=channel.display_name,
                required=False,
                max_length=50_000,
                widget=forms.Textarea(attrs={"rows": 4}),
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
            first_comment=data.get("first_comment", ""),
            pillar=data.get("pillar", ""),
            campaign=data.get("campaign", ""),
            notes=data.get("notes", ""),
            thread=[p for p in parts if p],
            media=data.get("images", []),
            watermark=data.get("watermark", False),
            enhance=data.get("enhance", False),
        )


def initial_of(data: PostInput) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "text": data.text,
        "channels": list(data.channel_ids),
        "link": data.link,
        "utm": data.utm,
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
    return initial
