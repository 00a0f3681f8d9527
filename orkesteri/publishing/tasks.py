"""The publishing engine's tasks (DESIGN.md §5): wake-ups that send what is due, a sweeper
every minute, and the notifications of failures and review requests."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from orkesteri.notifications.actions import tell
from orkesteri.notifications.models import Notification
from orkesteri.publishing import engine
from orkesteri.publishing.models import Delivery, Post
from orkesteri.workspaces.access import managers_of


@db_task()
def publish_delivery(delivery_id: int, version: int) -> None:
    """Wake at the delivery's due time and send what is due, it first (engine.publish_due)."""
    engine.publish_due(delivery_id, version)


@db_periodic_task(crontab(minute="*"))
def sweep_deliveries() -> None:
    engine.sweep()


@db_task(retries=3, retry_delay=60)
def send_failure_email(delivery_id: int, key: str) -> None:
    """Tell the author and the managers why the delivery did not go out; `key` names the
    failure (engine.notify_failure), so a retry tells nobody twice."""
    delivery = (
        Delivery.objects.select_related("post__workspace", "post__author", "channel")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return
    post, workspace = delivery.post, delivery.post.workspace

    def letter() -> tuple[str, str]:
        subject = _("A post to %(channel)s was not published") % {
            "channel": delivery.channel.display_name
        }
        body = _("The post “%(text)s” in %(workspace)s: %(status)s.\n\n%(error)s") % {
            "text": post.text[:200],
            "workspace": workspace.name,
            "status": delivery.get_status_display(),
            "error": delivery.last_error,
        }
        return subject, body

    unknown = delivery.status == Delivery.Status.UNKNOWN
    kind = Notification.Kind.PUBLISH_UNKNOWN if unknown else Notification.Kind.PUBLISH_FAILED
    url = reverse("post_edit", args=[workspace.slug, post.pk])
    people = [*managers_of(workspace), post.author]
    tell(people, workspace, kind, key, url, delivery.last_error, letter)


@db_task(retries=3, retry_delay=60)
def send_review_email(post_id: int, key: str) -> None:
    """Tell the author what the reviewer wants changed; `key` names that request."""
    post = Post.objects.select_related("author", "workspace").filter(pk=post_id).first()
    if post is None:
        return

    def letter() -> tuple[str, str]:
        subject = _("Changes asked for your post in %(workspace)s") % {
            "workspace": post.workspace.name
        }
        body = _("Your post “%(text)s” needs changes before it can go out:\n\n%(note)s") % {
            "text": post.text[:200],
            "note": post.review_note,
        }
        return subject, body

    url = reverse("post_edit", args=[post.workspace.slug, post.pk])
    kind = Notification.Kind.CHANGES_REQUESTED
    tell([post.author], post.workspace, kind, key, url, post.review_note, letter)
