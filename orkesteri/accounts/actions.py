"""State changes of users and their API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from orkesteri.accounts.models import ApiToken, User, hash_token, new_token_value, normalize_email
from orkesteri.lib.validators import validate_one_line

# Writing last_used_at on every request would turn each API read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class AccountError(Exception):
    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def create_user(email: str, password: str, name: str = "") -> User:
    email = normalize_email(email)
    try:
        validate_email(email)
    except ValidationError as e:
        raise AccountError("email", _("Enter a valid email address.")) from e
    if User.objects.filter(email=email).exists():
        raise AccountError("email", _("An account with this email already exists."))
    try:
        validate_one_line(name)
    except ValidationError as e:
        raise AccountError("name", " ".join(e.messages)) from e
    candidate = User(email=email, name=name.strip()[:100])
    try:
        validate_password(password, candidate)
    except ValidationError as e:
        raise AccountError("password", " ".join(e.messages)) from e
    return User.objects.create_user(email=email, password=password, name=name.strip()[:100])


def create_owner(email: str, password: str | None = None) -> tuple[User, str | None]:
    """The first administrator. Returns the user and the generated password, if one was made."""
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    user = create_user(email, password)
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    user.refresh_from_db()
    return user, generated


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    name = name.strip()
    if not name:
        raise AccountError("name", _("Give the token a name, e.g. “Zapier” or “reporting script”."))
    if len(name) > 100:
        raise AccountError("name", _("Use at most 100 characters."))
    raw = new_token_value()
    token = ApiToken.objects.create(
        user=user, name=name, token_hash=hash_token(raw), prefix=raw[:12]
    )
    return token, raw


def revoke_token(user: User, token_id: int) -> bool:
    return bool(
        ApiToken.objects.filter(pk=token_id, user=user, revoked_at=None).update(
            revoked_at=timezone.now()
        )
    )


def user_for_token(raw: str) -> User | None:
    """The active user behind a live token, or None."""
    if not raw.startswith("ork_"):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at=None, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke_all_tokens(user: User) -> int:
    """After a password change or reset: whoever knew the old password loses API access too."""
    return ApiToken.objects.filter(user=user, revoked_at=None).update(revoked_at=timezone.now())


def update_profile(user: User, name: str, language: str) -> User:
    User.objects.filter(pk=user.pk).update(name=name, language=language)
    user.name, user.language = name, language
    return user
