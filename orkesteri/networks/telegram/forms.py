"""The connect form: a bot token from @BotFather and the chat the bot posts to."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orkesteri.lib.validators import split_url
from orkesteri.networks.telegram import conf

_TOKEN = re.compile(conf.TOKEN_PATTERN)
_USERNAME = re.compile(conf.USERNAME_PATTERN)
_NUMERIC_ID = re.compile(r"-?[0-9]{1,20}")
_LINK_HOSTS = {"t.me", "telegram.me", "telegram.dog"}


class ConnectForm(forms.Form):
    bot_token = forms.CharField(
        label=gettext_lazy("Bot token"),
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=True),
        help_text=gettext_lazy(
            "The token @BotFather gave you when you created the bot, like"
            " 123456789:AAE… (in Telegram, open @BotFather and send /mybots → your bot →"
            " API Token)."
        ),
    )
    chat = forms.CharField(
        label=gettext_lazy("Channel or group"),
        max_length=200,
        strip=True,
        help_text=gettext_lazy(
            "The public channel or group as @name or a t.me link. For a private channel, the"
            " link of one of its posts (Copy Post Link) or its numeric id (it starts with"
            " -100). The bot must be an administrator there."
        ),
    )

    def clean_bot_token(self) -> str:
        token: str = self.cleaned_data["bot_token"]
        if not _TOKEN.fullmatch(token):
            raise forms.ValidationError(
                _(
                    "This does not look like a bot token. Copy the whole token from @BotFather:"
                    " digits, a colon, then a long run of letters."
                )
            )
        return token

    def clean_chat(self) -> str:
        return parse_chat(self.cleaned_data["chat"])


def parse_chat(value: str) -> str:
    """The chat as "@name" (public) or "-100…" (numeric id); ValidationError otherwise."""
    value = value.strip()
    if _NUMERIC_ID.fullmatch(value):
        return value
    if value.startswith("@"):
        return _username(value[1:], value)
    if "/" in value:
        return _from_link(value)
    return _username(value, value)


def _username(name: str, original: str) -> str:
    if not _USERNAME.fullmatch(name):
        raise forms.ValidationError(
            _(
                "“%(value)s” is not a Telegram username: 5-32 letters, digits and underscores,"
                " starting with a letter."
            )
            % {"value": original}
        )
    return f"@{name}"


def _from_link(value: str) -> str:
    parts = split_url(value if "://" in value else f"https://{value}")
    path = [part for part in parts.path.split("/") if part] if parts else []
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or parts.hostname not in _LINK_HOSTS
        or not path
    ):
        raise forms.ValidationError(
            _("Give a t.me link (https://t.me/yourchannel), an @name or a numeric chat id.")
        )
    if path[0].startswith("+") or path[0] == "joinchat":
        raise forms.ValidationError(
            _(
                "Invite links cannot be used by bots. For a private channel, paste the link of"
                " one of its posts instead (right-click or long-press a post → Copy Post Link),"
                " or give its numeric id (it starts with -100)."
            )
        )
    if path[0] == "c" and len(path) > 1 and re.fullmatch(r"[0-9]+", path[1]):
        # Private message links are t.me/c/<channel id>/<message>; the Bot API chat id is
        # -100 followed by the channel id (https://core.telegram.org/api/links#message-links,
        # https://core.telegram.org/api/bots/ids).
        return f"-100{path[1]}"
    if path[0] == "s" and len(path) > 1:  # t.me/s/<name> is the channel's web preview
        return _username(path[1], value)
    return _username(path[0], value)
