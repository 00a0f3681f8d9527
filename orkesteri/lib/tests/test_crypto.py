"""lib/crypto.py: credentials at rest, the key file and key rotation."""

from __future__ import annotations

import stat
import threading
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from orkesteri.lib import crypto

SECRET = {"handle": "alice.test", "app_password": "hunter2-app-password"}


@pytest.fixture(autouse=True)
def fresh_keys(settings: Any, tmp_path: Path) -> Iterator[None]:
    """Each test starts with no configured key, an empty data dir and nothing cached."""
    settings.DATA_DIR = tmp_path
    settings.ENCRYPTION_KEYS = []
    crypto.reset_cache()
    yield
    crypto.reset_cache()


def use_keys(settings: Any, *keys: bytes) -> None:
    settings.ENCRYPTION_KEYS = [k.decode() for k in keys]
    crypto.reset_cache()


def key_file(tmp_path: Path) -> Path:
    return tmp_path / crypto.KEY_FILE_NAME


def test_it_round_trips_a_dict() -> None:
    assert crypto.decrypt_json(crypto.encrypt(SECRET)) == SECRET


def test_it_round_trips_a_str() -> None:
    assert crypto.decrypt(crypto.encrypt("token-ÄÖ-🔑")) == "token-ÄÖ-🔑"


def test_ciphertext_does_not_contain_the_plaintext() -> None:
    token = crypto.encrypt(SECRET)
    assert "hunter2" not in token
    assert "alice.test" not in token
    assert crypto.encrypt(SECRET) != token  # a fresh IV each time


def test_it_generates_the_key_file_once_with_mode_0600(tmp_path: Path) -> None:
    first = crypto.keys()
    path = key_file(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first == [path.read_bytes()]
    assert crypto.keys() == first
    crypto.reset_cache()
    assert crypto.keys() == first
    assert [p.name for p in tmp_path.iterdir()] == [crypto.KEY_FILE_NAME]


def test_it_decrypts_after_a_restart_with_the_stored_key() -> None:
    token = crypto.encrypt(SECRET)
    crypto.reset_cache()
    assert crypto.decrypt_json(token) == SECRET


def test_configured_keys_are_used_instead_of_the_key_file(settings: Any, tmp_path: Path) -> None:
    key = Fernet.generate_key()
    use_keys(settings, key)
    assert crypto.keys() == [key]
    assert Fernet(key).decrypt(crypto.encrypt("x")) == b"x"
    assert not key_file(tmp_path).exists()


def test_old_key_still_decrypts_after_a_new_key_is_put_first(settings: Any) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    use_keys(settings, old)
    token = crypto.encrypt(SECRET)
    use_keys(settings, new, old)
    assert crypto.decrypt_json(token) == SECRET
    # The first key encrypts.
    assert Fernet(new).decrypt(crypto.encrypt("x")) == b"x"


def test_rotate_reencrypts_with_the_new_key_alone(settings: Any) -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    use_keys(settings, old)
    token = crypto.encrypt(SECRET)
    use_keys(settings, new, old)
    rotated = crypto.rotate(token)
    use_keys(settings, new)
    assert crypto.decrypt_json(rotated) == SECRET
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt_json(token)


def test_an_invalid_configured_key_names_the_variable_not_the_value(settings: Any) -> None:
    bad = "not-a-fernet-key-s3cr3t"
    settings.ENCRYPTION_KEYS = [Fernet.generate_key().decode(), bad]
    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.keys()
    message = str(excinfo.value)
    assert "ORKESTERI_ENCRYPTION_KEY" in message
    assert "entry 2 of 2" in message
    assert bad not in message
    assert bad not in "".join(traceback.format_exception(excinfo.value))


def test_a_corrupt_key_file_is_reported_without_its_content(tmp_path: Path) -> None:
    key_file(tmp_path).write_text("garbage-s3cr3t")
    with pytest.raises(ImproperlyConfigured) as excinfo:
        crypto.keys()
    assert "ORKESTERI_ENCRYPTION_KEY" in str(excinfo.value)
    assert "garbage-s3cr3t" not in str(excinfo.value)


def test_a_token_from_another_key_is_unreadable() -> None:
    token = Fernet(Fernet.generate_key()).encrypt(b"{}").decode()
    with pytest.raises(crypto.SecretUnreadable) as excinfo:
        crypto.decrypt_json(token)
    assert "the encryption key changed" in str(excinfo.value)
    assert "reconnect the channel" in str(excinfo.value)


@pytest.mark.parametrize("token", ["", "garbage", "gAAAAA", "ü"])
def test_a_malformed_token_is_unreadable(token: str) -> None:
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(token)
    with pytest.raises(crypto.SecretUnreadable):
        crypto.rotate(token)


def test_a_str_token_is_not_json_credentials() -> None:
    with pytest.raises(crypto.SecretUnreadable, match="not a JSON object"):
        crypto.decrypt_json(crypto.encrypt("plain token"))
    with pytest.raises(crypto.SecretUnreadable, match="not a JSON object"):
        crypto.decrypt_json(crypto.encrypt('["a list"]'))


def test_concurrent_first_use_makes_one_key_file(tmp_path: Path) -> None:
    count = 8
    barrier = threading.Barrier(count)
    results: list[list[bytes]] = []
    errors: list[BaseException] = []

    def first_use() -> None:
        barrier.wait()
        try:
            results.append(crypto.keys())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_use) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(results) == count
    assert all(result == [key_file(tmp_path).read_bytes()] for result in results)
    assert [p.name for p in tmp_path.iterdir()] == [crypto.KEY_FILE_NAME]


def test_a_process_that_loses_the_race_uses_the_winners_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = Fernet.generate_key()
    real_generate_key = Fernet.generate_key

    def generate_while_another_process_writes() -> bytes:
        # The other process links its file in between our check and our link.
        key_file(tmp_path).write_bytes(winner)
        return real_generate_key()

    monkeypatch.setattr(Fernet, "generate_key", staticmethod(generate_while_another_process_writes))
    assert crypto.keys() == [winner]
    assert [p.name for p in tmp_path.iterdir()] == [crypto.KEY_FILE_NAME]
