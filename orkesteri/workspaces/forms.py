from __future__ import annotations

from typing import Any

from django import forms
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _

from orkesteri.lib.dates import timezone_names
from orkesteri.workspaces.models import Workspace
from orkesteri.workspaces.roles import Role


def language_choices() -> list[tuple[str, str]]:
    named = ((code, info.get("name")) for code, info in LANG_INFO.items() if "name" in info)
    return sorted(((code, f"{name} ({code})") for code, name in named), key=lambda c: c[1])


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
        help_text=_("The languages this brand posts in. Hold Ctrl (⌘ on a Mac) to pick several."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    class Meta:
        model = Workspace
        fields = ["name", "slug", "timezone", "languages", "brand_color"]
        widgets = {"brand_color": forms.TextInput(attrs={"type": "color"})}
        help_texts = {
            "name": _("The client or brand, as your team calls it."),
            "slug": _("Short name used in links. Leave empty to make one from the name."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slug"].required = False


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=_("Logo"), help_text=_("PNG, JPEG, WebP or GIF, at most 2 MB and 4096×4096 pixels.")
    )


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
