"""The publishing engine's tasks (DESIGN.md §5): wake-ups that send what is due, a sweeper
every minute, and the notifications of failures and review requests."""

from __future__ import annotations

from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from orkesteri.notifications.actions import notify
from orkesteri.notifications.models import Notification
from orkesteri.publishing import engine
from orkesteri.publishing.models import Delivery, Post
from orkesteri.workspaces.models import Membership
from orkesteri.workspaces.roles import Role


@db_task()
def publish_delivery(delivery_id: int, version: int) -> None:
    """Wake at the delivery's due time and send what is due, it first (engine.publish_due)."""
    engine.publish_due(delivery_id, version)


@db_periodic_task(crontab(minute="*"))
def sweep_deliveries() -> None:
    engine.sweep()


@db_task(retries=3, retry_delay=60)
def send_failure_email(delivery_id: int) -> None:
    delivery = (
        Delivery.objects.select_related("post__workspace", "post__author", "channel")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None:
        return
    post, workspace = delivery.post, delivery.post.workspace
    managers = Membership.objects.filter(
        workspace=workspace, role__in=(Role.OWNER, Role.MANAGER)
    ).select_related("user")
    people = {m.user for m in managers if m.user.is_active}
    if post.author and post.author.is_active:
        people.add(post.author)
    fallback = workspace.languages[0] if workspace.languages else None
    letters = []
    for person in people:
        with translation.override(person.language or fallback):
            subject = _("A post to %(channel)s was not published") % {
                "channel": delivery.channel.display_name
            }
            body = _("The post “%(text)s” in %(workspace)s: %(status)s.\n\n%(error)s") % {
                "text": post.text[:200],
                "workspace": workspace.name,
                "status": delivery.get_status_display(),
                "error": delivery.last_error,
            }
        letters.append((person, subject, body))
    # In the app before any email, so a mail server that fails loses nothing there; the key
    # makes a retried task notify each person once.
    unknown = delivery.status == Delivery.Status.UNKNOWN
    kind = Notification.Kind.PUBLISH_UNKNOWN if unknown else Notification.Kind.PUBLISH_FAILED
    url = reverse("post_edit", args=[workspace.slug, post.pk])
    key = f"delivery:{delivery.pk}:v{delivery.version}"
    for person, subject, _body in letters:
        notify([person], workspace, kind, subject, delivery.last_error, url, key=key)
    for person, subject, body in letters:
        send_mail(subject, body, None, [person.email])


@db_task(retries=3, retry_delay=60)
def send_review_email(post_id: int) -> None:
    """Tell the author what the reviewer wants changed."""
    post = Post.objects.select_related("author", "workspace").filter(pk=post_id).first()
    if post is None or post.author is None or not post.author.is_active:
        return
    fallback = post.workspace.languages[0] if post.workspace.languages else None
    with translation.override(post.author.language or fallback):
        subject = _("Changes asked for your post in %(workspace)s") % {
            "workspace": post.workspace.name
        }
        body = _("Your post “%(text)s” needs changes before it can go out:\n\n%(note)s") % {
            "text": post.text[:200],
            "note": post.review_note,
        }
    # One request for changes is one save of the post: its time tells a retry from a new one.
    notify(
        [post.author],
        post.workspace,
        Notification.Kind.CHANGES_REQUESTED,
        subject,
        post.review_note,
        reverse("post_edit", args=[post.workspace.slug, post.pk]),
        key=f"post:{post.pk}:changes:{post.updated_at.isoformat()}",
    )
    send_mail(subject, body, None, [post.author.email])
