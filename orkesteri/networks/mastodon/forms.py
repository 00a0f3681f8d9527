"""Connecting a Mastodon account: the instance address, and a token or nothing (OAuth)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django import forms
from django.utils.translation import gettext_lazy as _

# A token travels in an Authorization header: printable ASCII without spaces.
_TOKEN = re.compile(r"[\x21-\x7e]+")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")


def normalise_instance_url(value: str) -> str:
    """ "mastodon.social", "https://Mastodon.social/" → "https://mastodon.social".

    Raises ValueError with a message for the user when it is not a bare http(s) address.
    """
    text = value.strip()
    if "://" not in text:
        text = f"https://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(_("This is not a web address.")) from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(_("The address must start with https:// (or http://)."))
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValueError(_("Enter only the server's address, such as mastodon.social."))
    if parts.path not in ("", "/"):
        raise ValueError(
            _("Enter only the server's address, such as mastodon.social, without a path.")
        )
    host = _host(parts.hostname or "")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc = f"{netloc}:{port}"
    return f"{parts.scheme.lower()}://{netloc}"


def _host(hostname: str) -> str:
    if not hostname:
        raise ValueError(_("The address has no server name."))
    if ":" in hostname:  # an IPv6 literal; the network guard decides whether it may be used
        return hostname.lower()
    try:
        ascii_host = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(_("The server name is not valid.")) from exc
    labels = ascii_host.rstrip(".").split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise ValueError(_("The server name is not valid."))
    return ".".join(labels)


class ConnectForm(forms.Form):
    instance_url = forms.CharField(
        label=_("Server"),
        max_length=300,
        help_text=_(
            "The address of your Mastodon server, where you sign in, such as mastodon.social"
            " or https://fosstodon.org."
        ),
    )
    access_token = forms.CharField(
        label=_("Access token"),
        required=False,
        max_length=512,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "Leave empty to sign in on your server's own page (recommended). Or paste a token"
            " from Preferences → Development → New application, with the scopes read:accounts,"
            " read:statuses, write:statuses and write:media."
        ),
    )

    def clean_instance_url(self) -> str:
        try:
            return normalise_instance_url(self.cleaned_data["instance_url"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_access_token(self) -> str:
        token: str = self.cleaned_data.get("access_token") or ""
        if token and not _TOKEN.fullmatch(token):
            raise forms.ValidationError(
                _("An access token has no spaces or line breaks. Copy it again.")
            )
        return token

    def wants_oauth(self) -> bool:
        """No token pasted: the channels view sends the user to the server's sign-in page."""
        return not self.cleaned_data.get("access_token")
