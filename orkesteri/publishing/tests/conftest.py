"""A scripted test network: each publish pops the next behaviour (a Receipt or an error)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar

import pytest
from django import forms

from orkesteri.accounts.models import User
from orkesteri.channels.actions import connect_channel
from orkesteri.channels.models import Channel
from orkesteri.lib.text import TextRules
from orkesteri.networks.base import (
    Adapter,
    AdapterError,
    Connection,
    Draft,
    Feature,
    Limits,
    Receipt,
)
from orkesteri.networks.registry import ADAPTERS
from orkesteri.workspaces.models import Workspace


class NameForm(forms.Form):
    name = forms.CharField()


class Scripted(Adapter):
    """Remembers every post by key, like a network that dedupes (or not: `idempotent`)."""

    kind = "scripted"
    label = "Scripted"
    features = frozenset({Feature.PUBLISH, Feature.THREAD, Feature.DELETE})
    default_limits = Limits(text=TextRules(counter="simple", limit=280), max_thread=10)
    ConnectForm = NameForm
    idempotent = True
    script: ClassVar[list[AdapterError]] = []
    posts: ClassVar[dict[str, Draft]] = {}  # key → draft, the network's side
    sent: ClassVar[list[str]] = []  # every publish call's key, duplicates included

    @classmethod
    def connect(cls, data: Mapping[str, Any]) -> Connection:
        return Connection(data["name"], "@" + data["name"], {"token": "t"})

    def publish(self, draft: Draft, key: str) -> Receipt:
        Scripted.sent.append(key)
        if Scripted.script:
            error = Scripted.script.pop(0)
            if error.unknown_outcome:
                Scripted.posts.setdefault(key, draft)  # it did reach the network
            raise error
        if key not in Scripted.posts or not self.idempotent:
            Scripted.posts[key + ("" if key not in Scripted.posts else "+dup")] = draft
        return Receipt(key, f"https://scripted.example/{key}")


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[Scripted]]:
    monkeypatch.setitem(ADAPTERS, "scripted", Scripted)
    Scripted.script, Scripted.posts, Scripted.sent = [], {}, []
    yield Scripted
    Scripted.idempotent = True


@pytest.fixture
def channel(acme: Workspace, alice: User, scripted: type[Scripted]) -> Channel:
    return connect_channel(acme, alice, "scripted", {"name": "acme"})


@pytest.fixture
def make_channel(
    acme: Workspace, alice: User, scripted: type[Scripted]
) -> Callable[[str], Channel]:
    return lambda name: connect_channel(acme, alice, "scripted", {"name": name})
