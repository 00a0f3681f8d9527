"""The VK connect form: a person's access key and the community to post in."""

from __future__ import annotations

import re
from urllib.parse import parse_qs

from django import forms
from django.utils.translation import gettext_lazy as _

from orkesteri.lib.validators import split_url

# https://vk.com/faq16629: a short address is 5–32 letters, digits, dots or underscores;
# club123 / public123 / event123 are the addresses of communities without one.
_SHORT_NAME = re.compile(r"[A-Za-z0-9_.]{2,32}")
_NUMBERED = re.compile(r"(?:club|public|event)(\d+)")
_VK_HOSTS = {"vk.com", "m.vk.com", "www.vk.com", "vk.ru", "m.vk.ru", "www.vk.ru"}


def parse_group(value: str) -> str:
    """The community id or short name in what the user typed, or "" if it is neither."""
    value = value.strip().lstrip("@")
    if "/" in value or value.startswith(("http:", "https:")):
        value = _path_of_vk_link(value)
    if re.fullmatch(r"-?[0-9]+", value):
        return value.lstrip("-")
    numbered = _NUMBERED.fullmatch(value)
    if numbered:
        return numbered[1]
    return value if _SHORT_NAME.fullmatch(value) else ""


def _path_of_vk_link(value: str) -> str:
    if "://" not in value:
        value = "https://" + value
    parts = split_url(value)
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or (parts.hostname or "") not in _VK_HOSTS
    ):
        return ""
    segments = [s for s in parts.path.split("/") if s]
    return segments[0] if len(segments) == 1 else ""


def parse_access_token(value: str) -> str:
    """The key itself, also when the whole address from the browser was pasted."""
    value = value.strip()
    if "access_token=" in value:
        fragment = value.split("#", 1)[-1].split("?", 1)[-1]
        return parse_qs(fragment).get("access_token", [""])[0]
    return value


class ConnectForm(forms.Form):
    access_token = forms.CharField(
        label=_("Access key"),
        widget=forms.PasswordInput(render_value=False),
        max_length=1000,
        help_text=_(
            "The access key of a VK account that is an administrator or editor of the "
            "community, with the rights wall and photos. You can paste the whole address "
            "VK showed after you allowed access; Orkesteri takes the key from it. "
            "A community key (from the community's settings) cannot post: VK does not allow it."
        ),
    )
    group = forms.CharField(
        label=_("Community"),
        max_length=200,
        help_text=_(
            "The community to post in: its address such as vk.com/mycommunity, its short "
            "name, or its number (club123456 or 123456)."
        ),
    )

    def clean_access_token(self) -> str:
        token = parse_access_token(self.cleaned_data["access_token"])
        # Keys are printable ASCII; anything else would not even fit in an HTTP header.
        if not re.fullmatch(r"[\x21-\x7e]+", token):
            raise forms.ValidationError(
                _("This does not look like a VK access key. Copy it again, without spaces.")
            )
        return token

    def clean_group(self) -> str:
        group = parse_group(self.cleaned_data["group"])
        if not group:
            raise forms.ValidationError(
                _("Enter the community's VK address (vk.com/…), its short name or its number.")
            )
        return group
