"""Short links: made once per delivery, counted per click, visitors forgotten daily.

See docs/links.md for what is counted and what is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import string
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from orkesteri.analytics.models import PostStats
from orkesteri.lib import sql
from orkesteri.links.bots import is_bot
from orkesteri.links.models import LinkDay, ShortLink, VisitorDigest, VisitorSalt
from orkesteri.publishing.models import Delivery

logger = logging.getLogger(__name__)

ALPHABET = string.ascii_letters + string.digits
# 62^7 ≈ 3.5 * 10^12 codes: guessing one that exists takes about a billion tries per
# million links, and a link only redirects to what was published anyway.
CODE_LENGTH = 7
DRAWS = 5  # codes drawn before giving up; a clash is about one in 10^6 at a million links


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def short_url(code: str) -> str:
    """The public address of a short link: ORKESTERI_BASE_URL + /l/<code>."""
    return settings.BASE_URL + reverse("short_link", args=[code])


def placeholder_url() -> str:
    """An address as long as any short link's, for counting a post's length before it has one."""
    return short_url("x" * CODE_LENGTH)


def link_for_delivery(delivery: Delivery, target: str) -> ShortLink:
    """The delivery's short link to `target`, made the first time it is sent; a retried send
    gets the same code (its target follows the post, should the post have changed)."""
    post = delivery.post
    fields = {
        "workspace_id": post.workspace_id,
        "target": target,
        "post_id": post.pk,
        "channel_id": delivery.channel_id,
        "campaign": post.campaign,
    }
    for _draw in range(DRAWS):
        try:
            with transaction.atomic():
                link, created = ShortLink.objects.get_or_create(
                    delivery=delivery, defaults={**fields, "code": new_code()}
                )
        except IntegrityError:
            continue  # the code was taken (not the delivery: get_or_create reads that): redraw
        if not created and (link.target, link.campaign) != (target, post.campaign):
            ShortLink.objects.filter(pk=link.pk).update(target=target, campaign=post.campaign)
            link.target, link.campaign = target, post.campaign
        return link
    raise IntegrityError(f"no free short-link code in {DRAWS} draws")


# --- counting ----------------------------------------------------------------------------


def count_click(link: ShortLink, *, ip: str, user_agent: str, now: datetime | None = None) -> None:
    """One GET of the link: a bot's, or a person's (with the unique estimate and the
    delivery's PostStats.clicks). One transaction: counted whole or not at all."""
    day = (now or timezone.now()).astimezone(UTC).date()
    with transaction.atomic():
        if is_bot(user_agent):
            _add(link.pk, day, bot_clicks=1)
            return
        new = _note_visitor(link.pk, day, visitor_digest(day, link.pk, ip, user_agent))
        _add(link.pk, day, clicks=1, unique_visitors=int(new))
        if link.delivery_id is not None:
            PostStats.objects.filter(delivery_id=link.delivery_id).update(
                clicks=Coalesce(F("clicks"), Value(0)) + 1
            )


def _add(
    link_id: int, day: date, clicks: int = 0, bot_clicks: int = 0, unique_visitors: int = 0
) -> None:
    """Add to the link's counts of the day: one upsert (SQLite 3.24+ and PostgreSQL), so
    concurrent clicks add up instead of overwriting each other."""
    table = LinkDay._meta.db_table
    sql.execute(
        f"INSERT INTO {table} (link_id, day, clicks, bot_clicks, unique_visitors)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (link_id, day) DO UPDATE SET"
        f" clicks = {table}.clicks + excluded.clicks,"
        f" bot_clicks = {table}.bot_clicks + excluded.bot_clicks,"
        f" unique_visitors = {table}.unique_visitors + excluded.unique_visitors",
        [link_id, day, clicks, bot_clicks, unique_visitors],
    )


def _note_visitor(link_id: int, day: date, digest: str) -> bool:
    """Remember the visitor's digest for the day; True if it is the day's first visit."""
    rows = sql.execute(
        f"INSERT INTO {VisitorDigest._meta.db_table} (link_id, day, digest) VALUES (%s, %s, %s)"
        " ON CONFLICT (link_id, day, digest) DO NOTHING RETURNING id",
        [link_id, day, digest],
    )
    return bool(rows)


def visitor_digest(day: date, link_id: int, ip: str, user_agent: str) -> str:
    """HMAC-SHA256 of (link, IP, user agent) keyed by the day's salt. Per link, so digests
    of two links cannot be matched either."""
    key = salt_of(day).encode()
    message = f"{link_id}\n{ip}\n{user_agent}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def salt_of(day: date) -> str:
    """The day's random salt, made by the first click of the day. That click also deletes
    the salts of the days before (one row each), should the hourly task not have run yet:
    without its salt, a day's digests can no longer be matched to anyone."""
    found = VisitorSalt.objects.filter(day=day).values_list("salt", flat=True).first()
    if found is not None:
        return found
    VisitorSalt.objects.filter(day__lt=day).delete()
    try:
        with transaction.atomic():
            return VisitorSalt.objects.create(day=day, salt=secrets.token_hex(32)).salt
    except IntegrityError:  # another click made it first
        return VisitorSalt.objects.get(day=day).salt


def forget_visitors(today: date | None = None) -> int:
    """Delete the salts and visitor digests of the days before `today` (UTC); their unique
    counts are already in LinkDay. The number of digests deleted."""
    today = today or timezone.now().astimezone(UTC).date()
    with transaction.atomic():
        VisitorSalt.objects.filter(day__lt=today).delete()
        deleted, _by_model = VisitorDigest.objects.filter(day__lt=today).delete()
    return deleted
