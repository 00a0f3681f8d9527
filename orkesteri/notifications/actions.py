"""Every change to a notification goes through here (STYLE.md rule 5)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.mail import send_mail
from django.db.models import QuerySet
from django.utils import timezone, translation

from orkesteri.accounts.models import User
from orkesteri.notifications.models import Notification
from orkesteri.workspaces.access import default_language, workspaces_of
from orkesteri.workspaces.models import Workspace

# Called under each person's language: (the title and email subject, the email body).
Letter = Callable[[], tuple[str, str]]


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
        _row(user, workspace, kind, key, title, body, url)
        for user in {u.pk: u for u in users if u.is_active}.values()
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def tell(
    people: Iterable[User | None],
    workspace: Workspace,
    kind: str,
    key: str,
    url: str,
    note: str,
    letter: Letter,
) -> None:
    """Tell each active person about the event `key` in the app and by email, each in their
    own language (else the workspace's); `note` is the in-app body, the network's or the
    reviewer's own words. Running it again for the same key adds nothing and emails only the
    people a failed run did not reach (STYLE.md rule 6)."""
    if not key:
        raise ValueError("tell() needs the event's key: it is what makes a second run safe")
    key = key[:200]
    letters = _in_their_language(people, workspace, letter)
    # All in the app before any email, so a mail server that fails loses nothing there.
    Notification.objects.bulk_create(
        [_row(p, workspace, kind, key, subject, note, url) for p, subject, _b in letters.values()],
        ignore_conflicts=True,
    )
    mine = Notification.objects.filter(subject_key=key, user_id__in=list(letters))
    for user_id in mine.filter(emailed_at__isnull=True).values_list("user_id", flat=True):
        person, subject, body = letters[user_id]
        send_mail(subject, body, None, [person.email])
        mine.filter(user_id=user_id).update(emailed_at=timezone.now())


def _in_their_language(
    people: Iterable[User | None], workspace: Workspace, letter: Letter
) -> dict[int, tuple[User, str, str]]:
    """Each active person once, with the letter written in their language."""
    fallback = default_language(workspace)
    letters: dict[int, tuple[User, str, str]] = {}
    for person in people:
        if person is None or not person.is_active or person.pk in letters:
            continue
        with translation.override(person.language or fallback):
            subject, body = letter()
        letters[person.pk] = (person, subject, body)
    return letters


def _row(
    user: User, workspace: Workspace, kind: str, key: str, title: str, body: str, url: str
) -> Notification:
    return Notification(
        user=user,
        workspace=workspace,
        kind=kind,
        subject_key=key[:200],
        title=title[:300],
        body=body,
        url=url[:2000],
    )


def visible_to(user: User) -> QuerySet[Notification]:
    """The user's own notifications, from workspaces they are still a member of."""
    return Notification.objects.filter(user=user, workspace__in=workspaces_of(user))


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
