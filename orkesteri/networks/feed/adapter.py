"""The built-in Atom feed: publishing adds an entry to /feeds/<feed id>.atom.

No external service, so it is the demo's channel and a bridge to feed readers, IFTTT/Zapier-style
automation and any site that embeds a feed. The feed's storage (FeedEntry) plays the part of
the remote network; this adapter is the only code that writes it.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orkesteri.networks.base import (
    Adapter,
    AdapterError,
    Connection,
    Draft,
    Feature,
    Image,
    Limits,
    Receipt,
    Rejected,
    web_url,
)
from orkesteri.networks.feed import conf
from orkesteri.networks.feed.forms import ConnectForm
from orkesteri.networks.feed.models import FeedEntry

logger = logging.getLogger(__name__)


def feed_path(feed_id: str) -> str:
    return reverse("feed_atom", args=[feed_id])


def image_path(feed_id: str, name: str) -> str:
    return f"feeds/{feed_id}/{name}"


def entry_title(text: str) -> str:
    first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(first_line) <= conf.TITLE_LENGTH:
        return first_line
    return first_line[: conf.TITLE_LENGTH - 1].rstrip() + "…"


class FeedAdapter(Adapter):
    kind = "feed"
    label = gettext_lazy("Atom feed")
    features = frozenset(
        {Feature.PUBLISH, Feature.DELETE, Feature.LINK_CARD, Feature.MEDIA, Feature.ALT_TEXT}
    )
    default_limits = Limits(
        text=conf.TEXT_RULES,
        max_images=conf.MAX_IMAGES,
        image_types=conf.IMAGE_TYPES,
        max_image_bytes=conf.MAX_IMAGE_BYTES,
        max_alt_text=conf.MAX_ALT_TEXT,
        image_presets=conf.IMAGE_PRESETS,
    )
    ConnectForm = ConnectForm
    help_text = gettext_lazy(
        "A public Atom feed hosted by this Orkesteri. Every post published to it becomes a feed"
        " entry that feed readers and automation tools can follow. Nothing to sign up for."
    )
    idempotent = True  # an entry is unique per (feed, key)
    remote = False  # publish() writes this server's database

    @classmethod
    def connect(cls, data: Mapping[str, Any]) -> Connection:
        feed_id = secrets.token_urlsafe(conf.FEED_ID_BYTES)
        return Connection(
            account_id=feed_id,
            display_name=data["title"],
            credentials={},
            config={"title": data["title"], "feed_id": feed_id},
            url=feed_path(feed_id),
        )

    @property
    def feed_id(self) -> str:
        return str(self.config["feed_id"])

    def verify(self) -> Connection:
        return Connection(self.feed_id, self.config.get("title", ""), {}, self.config)

    def publish(self, draft: Draft, key: str) -> Receipt:
        try:
            with transaction.atomic():
                entry, created = FeedEntry.objects.get_or_create(
                    feed_id=self.feed_id,
                    key=key,
                    defaults={
                        "title": entry_title(draft.text) or _("(untitled)"),
                        "content": draft.text,
                        "link": web_url(draft.link),
                        "published_at": timezone.now(),
                    },
                )
                if created and draft.images:
                    entry.images = [
                        self._store(entry, n, image) for n, image in enumerate(draft.images)
                    ]
                    entry.save(update_fields=["images"])
        except DatabaseError as e:
            logger.exception("feed %s: could not write an entry", self.feed_id)
            raise AdapterError(_("The feed could not be written. Try again later.")) from e
        return Receipt(str(entry.entry_id), f"{feed_path(self.feed_id)}#{entry.entry_id}")

    def _store(self, entry: FeedEntry, number: int, image: Image) -> dict[str, Any]:
        extension = image.mime.split("/")[-1].replace("jpeg", "jpg")
        name = f"{entry.entry_id}-{number}.{extension}"
        default_storage.save(image_path(self.feed_id, name), ContentFile(image.data))
        return {
            "name": name, "mime": image.mime, "alt": image.alt,
            "width": image.width, "height": image.height,
        }  # fmt: skip

    def delete(self, remote_id: str, data: Mapping[str, Any] | None = None) -> None:
        try:
            entry_id = uuid.UUID(remote_id)
        except ValueError as e:
            raise Rejected(_("%(id)s is not an entry of this feed.") % {"id": remote_id}) from e
        try:
            entries = list(FeedEntry.objects.filter(feed_id=self.feed_id, entry_id=entry_id))
            FeedEntry.objects.filter(pk__in=[e.pk for e in entries]).delete()
        except DatabaseError as e:
            logger.exception("feed %s: could not delete an entry", self.feed_id)
            raise AdapterError(_("The feed could not be written. Try again later.")) from e
        for entry in entries:
            for image in entry.images:
                default_storage.delete(image_path(self.feed_id, image["name"]))
