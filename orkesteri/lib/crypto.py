"""Network credentials at rest: the one seam for secrets (STYLE.md rule 9, DESIGN.md §7).

Tokens are Fernet (AES-128-CBC + HMAC-SHA256) under a MultiFernet: the first key encrypts,
every key decrypts, so an operator can put a new key first in ORKESTERI_ENCRYPTION_KEY and
`orkesteri rotate-key` re-encrypts stored tokens with `rotate()`. Without that variable a key
is generated once and kept in the data dir, like the secret key. No models, no app imports.
"""

from __future__ import annotations

import json
import os
import secrets
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_FILE_NAME = "encryption_key"
UNREADABLE = (
    "cannot decrypt stored credentials: the encryption key changed; "
    "restore ORKESTERI_ENCRYPTION_KEY or reconnect the channel"
)


class SecretUnreadable(Exception):
    """A stored token that no configured key opens (or that does not hold what it should)."""

    def __init__(self, message: str = UNREADABLE) -> None:
        super().__init__(message)


def keys() -> list[bytes]:
    """The Fernet keys, the one that encrypts first."""
    return list(_keys())


def reset_cache() -> None:
    """Forget the keys read so far (tests change settings; rotation changes the keys)."""
    _keys.cache_clear()
    _fernet.cache_clear()


def encrypt(data: dict[str, Any] | str) -> str:
    """A token for `data` (a str, or a dict of JSON values) under the first key."""
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    return _fernet().encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token).decode()
    except (InvalidToken, ValueError):  # ValueError: non-ASCII token, non-UTF-8 plaintext
        raise SecretUnreadable() from None


def decrypt_json(token: str) -> dict[str, Any]:
    try:
        value = json.loads(decrypt(token))
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, dict):
        raise SecretUnreadable("stored credentials are not a JSON object")
    return value


def rotate(token: str) -> str:
    """The same secret re-encrypted under the first key (for `orkesteri rotate-key`)."""
    try:
        return _fernet().rotate(token).decode("ascii")
    except (InvalidToken, ValueError):  # ValueError: a non-ASCII token
        raise SecretUnreadable() from None


@cache
def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


@cache
def _keys() -> tuple[bytes, ...]:
    configured: list[str] = settings.ENCRYPTION_KEYS
    if configured:
        return tuple(_configured_key(key, n, len(configured)) for n, key in enumerate(configured))
    return (_stored_key(Path(settings.DATA_DIR) / KEY_FILE_NAME),)


def _configured_key(key: str, n: int, count: int) -> bytes:
    if not _is_valid(key.encode()):
        # Name the entry, never echo it: the value is a secret and this lands in logs.
        raise ImproperlyConfigured(
            f"ORKESTERI_ENCRYPTION_KEY entry {n + 1} of {count} is not a Fernet key "
            "(32 url-safe base64-encoded bytes); make one with "
            "`python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'`."
        )
    return key.encode()


def _stored_key(path: Path) -> bytes:
    """The key kept at `path`, generated on first use (mode 0600)."""
    if not path.exists():
        _create_key_file(path)
    key = path.read_bytes().strip()
    if not _is_valid(key):
        raise ImproperlyConfigured(
            f"{path} does not hold a Fernet key; restore it from a backup "
            "or set ORKESTERI_ENCRYPTION_KEY."
        )
    return key


def _create_key_file(path: Path) -> None:
    """Write a new key to a private temporary file, then link it into place.

    os.link fails if `path` exists, so when two processes start at once exactly one key
    wins and the other reads it; and nobody can read a half-written key file.
    """
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(Fernet.generate_key())
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            return  # another process won; its key is the key
        _fsync_dir(path.parent)
    finally:
        tmp.unlink()


def _fsync_dir(directory: Path) -> None:
    # Losing the key loses every stored credential, so make the new name durable too.
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_valid(key: bytes) -> bool:
    try:
        Fernet(key)
    except (ValueError, TypeError):
        return False
    return True
