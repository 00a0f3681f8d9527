"""`orkesteri rotate-key`: stored credentials move to the new key; nothing is lost."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from orkesteri.accounts.models import User
from orkesteri.channels import actions
from orkesteri.channels.models import Channel
from orkesteri.lib import crypto
from orkesteri.workspaces.models import Workspace

pytestmark = pytest.mark.django_db
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def keys(settings) -> Iterator[object]:  # type: ignore[no-untyped-def]
    settings.ENCRYPTION_KEYS = [OLD]
    crypto.reset_cache()
    yield settings
    crypto.reset_cache()


def test_it_re_encrypts_under_the_new_key(keys, alice: User, acme: Workspace) -> None:  # type: ignore[no-untyped-def]
    channel = actions.connect_channel(acme, alice, "feed", {"title": "Acme news"})
    before = crypto.decrypt_json(channel.credentials)
    keys.ENCRYPTION_KEYS = [NEW, OLD]
    out = StringIO()
    call_command("rotate_key", stdout=out)
    assert "re-encrypted the credentials of 1 channel(s)" in out.getvalue()
    keys.ENCRYPTION_KEYS = [NEW]  # the old key is dropped: the channel still opens
    crypto.reset_cache()
    channel.refresh_from_db()
    assert crypto.decrypt_json(channel.credentials) == before


def test_it_names_channels_no_key_opens_and_keeps_the_rest(
    keys, alice: User, acme: Workspace
) -> None:  # type: ignore[no-untyped-def]
    good = actions.connect_channel(acme, alice, "feed", {"title": "Good"})
    lost = actions.connect_channel(acme, alice, "feed", {"title": "Lost"})
    Channel.objects.filter(pk=lost.pk).update(
        credentials=Fernet(Fernet.generate_key()).encrypt(b"{}").decode()
    )
    keys.ENCRYPTION_KEYS = [NEW, OLD]
    err = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("rotate_key", stdout=StringIO(), stderr=err)
    assert exited.value.code == 1
    assert f"channel {lost.pk} (Lost (feed))" in err.getvalue()
    assert "reconnect it" in err.getvalue()
    keys.ENCRYPTION_KEYS = [NEW]
    crypto.reset_cache()
    good.refresh_from_db()
    assert crypto.decrypt_json(good.credentials) == {}
