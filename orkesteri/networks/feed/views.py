"""The public Atom document of a feed channel."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks, urlize
from django.views.decorators.http import require_GET

from orkesteri.channels.models import Channel
from orkesteri.networks.feed import conf
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
        feed.add_item(
            title=entry.title,
            link=entry.link or f"{self_url}#{entry.entry_id}",
            # The text is plain: escaped, with its line breaks and links kept for the reader.
            description=linebreaks(urlize(entry.content, autoescape=True)),
            unique_id=f"urn:uuid:{entry.entry_id}",
            unique_id_is_permalink=False,
            pubdate=entry.published_at,
            updateddate=entry.published_at,
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    response["Cache-Control"] = "public, max-age=60"
    return response
