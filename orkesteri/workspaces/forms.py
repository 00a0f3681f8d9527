from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

from orkesteri.lib.dates import timezone_names
from orkesteri.workspaces.actions import EDITABLE_FIELDS, logo_max_size
from orkesteri.workspaces.models import Workspace
from orkesteri.workspaces.roles import Role

# The languages offered as checkboxes; the API accepts any code Django knows.
COMMON_LANGUAGES = (
    "en", "fi", "sv", "ru", "uk", "et", "lv", "lt", "pl", "de", "fr", "es", "it", "pt", "nl",
    "da", "nb", "tr", "ar", "ja", "zh-hans",
)  # fmt: skip
BRAND_COLOURS = ("#4f46e5", "#0e7490", "#b45309", "#be123c", "#15803d", "#7c3aed", "#c2410c")


def language_choices(extra: list[str] | None = None) -> list[tuple[str, str]]:
    codes = list(COMMON_LANGUAGES) + [c for c in extra or [] if c not in COMMON_LANGUAGES]
    return [(c, f"{LANG_INFO[c]['name_local']} ({c})") for c in codes if c in LANG_INFO]


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in timezone_names()]


class WorkspaceForm(forms.ModelForm):
    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=timezone_choices,
        help_text=_("Posts are planned and shown in this zone."),
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=language_choices,
        initial=["en"],
        help_text=_("The languages this brand posts in."),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkgrid"}),
    )

    class Meta:
        model = Workspace
        fields = list(EDITABLE_FIELDS)  # what update_workspace may change
        widgets = {"brand_color": forms.TextInput(attrs={"type": "color"})}
        help_texts = {
            "name": _("The client or brand, as your team calls it."),
            "slug": _("Short name used in links. Leave empty to make one from the name."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False
        languages = self.fields["languages"]
        assert isinstance(languages, forms.MultipleChoiceField)
        languages.choices = language_choices(self.instance.languages if self.instance.pk else [])
        if not self.instance.pk:
            # A different colour per new workspace, so the switcher's dots tell them apart.
            self.initial.setdefault(
                "brand_color", BRAND_COLOURS[Workspace.objects.count() % len(BRAND_COLOURS)]
            )
        if "er_averaging" in self.fields:
            self.fields["er_averaging"].required = False  # not sent: keep the current one

    def clean_er_averaging(self) -> str:
        return str(self.cleaned_data.get("er_averaging") or self.instance.er_averaging)


class NewWorkspaceForm(WorkspaceForm):
    """Creating a workspace asks only what it needs to start; the rest is in its settings."""

    class Meta(WorkspaceForm.Meta):
        fields = ["name", "slug", "timezone", "languages", "brand_color"]


class LogoForm(forms.Form):
    logo = forms.FileField(label=_("Logo"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["logo"].help_text = _(
            "PNG, JPEG, WebP or GIF, at most %(mb)s MB and %(side)s pixels."
        ) % {
            "mb": settings.LOGO_MAX_BYTES // (1024 * 1024),
            "side": logo_max_size(),
        }


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.EDITOR)

    def __init__(self, *args: Any, roles: list[Role], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [(r.value, r.label) for r in roles]


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class DeleteWorkspaceForm(forms.Form):
    confirm = forms.CharField(label=_("Type the workspace name to confirm"), max_length=100)
