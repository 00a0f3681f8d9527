"""Field validators shared by several models. No models, no app imports."""

from __future__ import annotations

import re
from urllib.parse import SplitResult, urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 and C1 control characters (tabs and newlines included): a name is one line of text,
# and it ends up in email subjects, where a newline is a header injection.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def validate_one_line(value: str) -> None:
    if CONTROL.search(value):
        raise ValidationError(
            _("Use one line of text without control characters."), code="control_characters"
        )


def split_url(value: str) -> SplitResult | None:
    """`urlsplit`, or None for what is not a URL ("https://[x", a port that is not a number)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  # raises ValueError for a bad port
    except ValueError:
        return None
    return parts
