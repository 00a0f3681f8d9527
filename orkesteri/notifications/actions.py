"""Every change to a notification goes through here (STYLE.md rule 5)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from orkesteri.accounts.models import User
from orkesteri.notifications.models import Notification
from orkesteri.workspaces.models import Workspace


def notify(
    users: Iterable[User],
    workspace: Workspace,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    *,
    key: str = "",
) -> int:
    """One notification per active user; with a `key`, at most one per user ever (safe for
    a task that runs twice). Returns how many users it was offered to."""
    rows = [
        Notification(
            user=user,
            workspace=workspace,
            kind=kind,
            subject_key=key[:200],
            title=title[:300],
            body=body,
            url=url[:2000],
        )
        for user in {u.pk: u for u in users if u.is_active}.values()
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def visible_to(user: User) -> QuerySet[Notification]:
    """The user's own notifications, from workspaces they are still a member of."""
    return Notification.objects.filter(user=user, workspace__memberships__user=user)


def unread_count(user: User) -> int:
    return visible_to(user).filter(read_at__isnull=True).count()


def mark_read(user: User, ids: Iterable[int]) -> int:
    """Mark the user's own notifications read; another user's ids change nothing."""
    return Notification.objects.filter(user=user, pk__in=list(ids), read_at__isnull=True).update(
        read_at=timezone.now()
    )


def mark_all_read(user: User, workspace: Workspace | None = None) -> int:
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if workspace is not None:
        unread = unread.filter(workspace=workspace)
    return unread.update(read_at=timezone.now())
