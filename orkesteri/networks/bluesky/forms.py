"""The Bluesky connect form: the server, the handle and an app password."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from orkesteri.lib.text.bluesky import is_valid_handle
from orkesteri.lib.validators import split_url
from orkesteri.networks.bluesky import conf


def clean_service_url(value: str) -> str:
    """The address as https://host[/path]: bsky.social → https://bsky.social, no /xrpc."""
    value = value.strip() or conf.DEFAULT_SERVICE_URL
    if "://" not in value:
        value = "https://" + value
    parts = split_url(value)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise forms.ValidationError(
            _("Enter the address of a Bluesky server, like %(example)s.")
            % {"example": conf.DEFAULT_SERVICE_URL}
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise forms.ValidationError(
            _("Enter only the server's address, like %(example)s, without anything after it.")
            % {"example": conf.DEFAULT_SERVICE_URL}
        )
    path = parts.path.rstrip("/")
    path = path.removesuffix("/xrpc")
    return f"{parts.scheme}://{parts.netloc.lower()}{path}"


def clean_handle(value: str) -> str:
    """The handle in lower case without @; a pasted profile link works too."""
    value = value.strip()
    if value.startswith(("http://", "https://")):
        parts = split_url(value)
        segments = [s for s in parts.path.split("/") if s] if parts else []
        value = segments[1] if len(segments) >= 2 and segments[0] == "profile" else ""
    value = value.lstrip("@").lower()
    if not is_valid_handle(value):
        raise forms.ValidationError(
            _(
                "Enter your full handle, like alice.bsky.social (what your profile shows "
                "after the @)."
            )
        )
    return value


class ConnectForm(forms.Form):
    service_url = forms.CharField(
        label=_("Server"),
        max_length=300,
        required=False,
        initial=conf.DEFAULT_SERVICE_URL,
        help_text=_(
            "Leave this as https://bsky.social unless your account lives on another Bluesky "
            "server (a PDS you or your organisation runs); then enter that server's address."
        ),
    )
    handle = forms.CharField(
        label=_("Handle"),
        max_length=253,
        help_text=_(
            "Your Bluesky handle without the @, for example alice.bsky.social or your own "
            "domain name if you use one."
        ),
    )
    app_password = forms.CharField(
        label=_("App password"),
        widget=forms.PasswordInput(render_value=False),
        max_length=200,
        strip=True,
        help_text=_(
            "Create one in Bluesky under Settings → Privacy and security → App passwords "
            "(it looks like abcd-efgh-ijkl-mnop). Do not use your main password: an app "
            "password can be revoked on its own and cannot change your account settings."
        ),
    )

    def clean_service_url(self) -> str:
        return clean_service_url(self.cleaned_data.get("service_url") or "")

    def clean_handle(self) -> str:
        return clean_handle(self.cleaned_data.get("handle") or "")
