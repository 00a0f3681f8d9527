"""The public Atom document of a feed channel."""

from __future__ import annotations

import uuid

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure
from django.utils.html import format_html, linebreaks, urlize
from django.views.decorators.http import require_GET

from orkesteri.channels.models import Channel
from orkesteri.networks.feed import conf
from orkesteri.networks.feed.adapter import image_path
from orkesteri.networks.feed.models import FeedEntry


@require_GET
def feed_atom(request: HttpRequest, feed_id: str) -> HttpResponse:
    channel = (
        Channel.objects.filter(network="feed", remote_id=feed_id)
        .select_related("workspace")
        .first()
    )
    if channel is None:
        raise Http404("No such feed")
    entries = list(FeedEntry.objects.filter(feed_id=feed_id)[: conf.FEED_ENTRIES])
    self_url = request.build_absolute_uri()
    feed = Atom1Feed(
        title=channel.display_name,
        link=self_url,
        description="",
        feed_url=self_url,
        feed_guid=f"urn:orkesteri:feed:{feed_id}",
        author_name=channel.workspace.name,
        language=(channel.workspace.languages or [None])[0],
    )
    for entry in entries:
        images = [
            (request.build_absolute_uri(reverse("feed_image", args=[feed_id, i["name"]])), i)
            for i in entry.images
        ]
        pictures = "".join(
            format_html(
                '<p><img src="{}" alt="{}" width="{}" height="{}"></p>',
                url,
                i["alt"],
                i["width"],
                i["height"],
            )
            for url, i in images
        )
        feed.add_item(
            title=entry.title,
            link=entry.link or f"{self_url}#{entry.entry_id}",
            # The text is plain: escaped, with its line breaks and links kept for the reader.
            description=pictures + linebreaks(urlize(entry.content, autoescape=True)),
            enclosures=[Enclosure(url, "0", i["mime"]) for url, i in images],
            unique_id=f"urn:uuid:{entry.entry_id}",
            unique_id_is_permalink=False,
            pubdate=entry.published_at,
            updateddate=entry.published_at,
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_GET
def feed_image(request: HttpRequest, feed_id: str, name: str) -> FileResponse:
    """An image of a feed entry: public, like the feed, while the entry exists."""
    try:
        entry_id = uuid.UUID(name[:36])  # names are "<entry id>-<n>.<ext>"
    except ValueError:
        raise Http404("No such image") from None
    entry = FeedEntry.objects.filter(feed_id=feed_id, entry_id=entry_id).first()
    if entry is None or not any(i["name"] == name for i in entry.images):
        raise Http404("No such image")
    path = image_path(feed_id, name)
    if not default_storage.exists(path):
        raise Http404("No such image")
    response = FileResponse(default_storage.open(path, "rb"))
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response
