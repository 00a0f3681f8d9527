"""Every change to a channel goes through here (STYLE.md rule 5) and is audited.

Errors from adapters are written down in one place, `note_failure`, where the user sees them:
the channel's status and message (STYLE.md rule 4).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orkesteri.accounts.models import User
from orkesteri.channels.models import Channel
from orkesteri.lib import crypto, sql
from orkesteri.networks.base import (
    Adapter,
    AdapterError,
    AuthExpired,
    Connection,
    Draft,
    Receipt,
    web_url,
)
from orkesteri.networks.registry import ADAPTERS
from orkesteri.workspaces.access import default_language
from orkesteri.workspaces.actions import ActionError, record
from orkesteri.workspaces.models import Workspace

logger = logging.getLogger(__name__)


def adapter_class(network: Any) -> type[Adapter]:
    if not isinstance(network, str) or network not in ADAPTERS:
        raise ActionError(
            {
                "network": _("Unknown network. Choose one of: %(networks)s.")
                % {"networks": ", ".join(sorted(ADAPTERS))}
            }
        )
    return ADAPTERS[network]


def clean_connect_data(network: str, data: Any) -> dict[str, Any]:
    """The network's connect form over `data`; ActionError naming each bad field."""
    if not isinstance(data, Mapping):
        raise ActionError({"config": _("Give the connection details as an object.")})
    form = adapter_class(network).ConnectForm(data=data)
    if not form.is_valid():
        raise ActionError(
            {field: " ".join(str(m) for m in messages) for field, messages in form.errors.items()}
        )
    unknown = sorted(set(data) - set(form.fields))
    if unknown:
        raise ActionError({name: _("Unknown field.") for name in unknown})
    return dict(form.cleaned_data)


def wants_oauth(form: Any) -> bool:
    """A valid connect form that leaves the credentials empty asks for the network's sign-in
    page (the form's `wants_oauth()`, e.g. Mastodon without a pasted token)."""
    wants = getattr(form, "wants_oauth", None)
    return bool(form.is_valid() and wants and wants())


def verify_connection(network: str, cleaned: Mapping[str, Any]) -> Connection:
    """Ask the network whether the details work; its answer becomes a form error."""
    try:
        return adapter_class(network).connect(cleaned)
    except AdapterError as e:
        raise ActionError({"": e.message}, status=422 if e.permanent else 502) from e


def connect_channel(workspace: Workspace, actor: User | None, network: str, data: Any) -> Channel:
    """Verify `data` with the network and save the channel (or refresh it if it exists)."""
    cleaned = clean_connect_data(network, data)
    return save_connection(workspace, actor, network, verify_connection(network, cleaned))


def save_connection(
    workspace: Workspace,
    actor: User | None,
    network: str,
    connection: Connection,
    channel: Channel | None = None,
) -> Channel:
    """Store a verified connection: a new channel, or new credentials for an existing one.

    Connecting an account the workspace already has refreshes that channel instead of
    creating a twin; reconnecting a channel with another account is refused.
    """
    if channel is not None and channel.remote_id != connection.account_id:
        raise ActionError(
            _(
                "This is a different account (%(name)s). Reconnect with %(expected)s, or connect"
                " the other account as a new channel."
            )
            % {"name": connection.display_name, "expected": channel.display_name}
        )
    with transaction.atomic():
        existing = (
            channel
            or Channel.objects.filter(
                workspace=workspace, network=network, remote_id=connection.account_id
            )
            .select_for_update()
            .first()
        )
        if existing is not None:
            return _refresh(existing, actor, connection)
        try:
            with transaction.atomic():
                created = Channel.objects.create(
                    workspace=workspace,
                    network=network,
                    display_name=connection.display_name[:200],
                    remote_id=connection.account_id,
                    url=safe_link(connection.url),
                    credentials=crypto.encrypt(dict(connection.credentials)),
                    config=dict(connection.config),
                    status_changed_at=timezone.now(),
                    created_by=actor,
                )
        except IntegrityError:  # connected twice at once: the other request won
            existing = Channel.objects.get(
                workspace=workspace, network=network, remote_id=connection.account_id
            )
            return _refresh(existing, actor, connection)
        record(workspace, actor, "channel.connected", _target(created))
        _collect_soon(created)
    return created


def _collect_soon(channel: Channel) -> None:
    """Start reading the channel's figures and recent posts now, not at the next wake-up."""
    from orkesteri.analytics.tasks import collect_channel

    pk = channel.pk
    transaction.on_commit(lambda: collect_channel(pk))


def _refresh(channel: Channel, actor: User | None, connection: Connection) -> Channel:
    channel.display_name = connection.display_name[:200]
    channel.url = safe_link(connection.url)
    channel.credentials = crypto.encrypt(dict(connection.credentials))
    channel.config = dict(connection.config)
    channel.status = Channel.Status.CONNECTED
    channel.status_message = ""
    channel.status_changed_at = timezone.now()
    channel.save(
        update_fields=[
            "display_name", "url", "credentials", "config",
            "status", "status_message", "status_changed_at",
        ]
    )  # fmt: skip
    record(channel.workspace, actor, "channel.reconnected", _target(channel))
    return channel


def reconnect_channel(channel: Channel, actor: User | None, data: Any) -> Channel:
    cleaned = clean_connect_data(channel.network, data)
    connection = verify_connection(channel.network, cleaned)
    return save_connection(channel.workspace, actor, channel.network, connection, channel)


def disconnect_channel(channel: Channel, actor: User | None) -> None:
    with transaction.atomic():
        record(channel.workspace, actor, "channel.disconnected", _target(channel))
        channel.delete()


def safe_link(url: str) -> str:
    """The account's page: a web address, or a path of this site (the feed); never javascript:."""
    is_path = url.startswith("/") and not url.startswith("//")
    return url[:500] if is_path or web_url(url) else ""


def _target(channel: Channel) -> str:
    return f"{channel.display_name} ({channel.network_label})"


# --- using a channel --------------------------------------------------------------------


def open_adapter(channel: Channel) -> Adapter:
    """The channel's adapter; unreadable credentials mark it for reconnecting."""
    try:
        return channel.adapter()
    except crypto.SecretUnreadable as e:
        failure = AuthExpired(
            _("The stored credentials cannot be read (the encryption key changed). Reconnect.")
        )
        note_failure(channel, failure)
        raise failure from e


def note_success(channel: Channel, adapter: Adapter) -> None:
    """The channel worked: mark it connected, keep refreshed credentials (session refresh)."""
    fields = ["status", "status_message", "last_used_at"]
    if channel.status != Channel.Status.CONNECTED:
        channel.status_changed_at = timezone.now()
        fields.append("status_changed_at")
    channel.status = Channel.Status.CONNECTED
    channel.status_message = ""
    channel.last_used_at = timezone.now()
    if adapter.credentials_changed:
        channel.credentials = crypto.encrypt(adapter.credentials)
        fields.append("credentials")
    channel.save(update_fields=fields)


def note_sends(
    sends: Sequence[tuple[Channel, Adapter | None, datetime | None]], now: datetime
) -> None:
    """After a batch of sends, one per channel: free the channels, and for each send the
    network took (an adapter) mark the channel connected and spend its publish rate
    (Limits.rate). `not_before` is a wait the network asked for (Retry-After)."""
    ok = [(channel, adapter) for channel, adapter, _wait in sends if adapter is not None]
    for channel, adapter in ok:
        if channel.status != Channel.Status.CONNECTED or adapter.credentials_changed:
            note_success(channel, adapter)  # rare: a status change or refreshed credentials
    tokens: dict[int, float] = {}
    token_times: dict[int, datetime] = {}
    waits: dict[int, datetime] = {}
    for channel, _taken in ok:
        rate = channel.adapter_class.default_limits.rate
        if rate is None:
            continue
        elapsed = (now - channel.send_tokens_at).total_seconds() if channel.send_tokens_at else 0
        left, wait_s = rate.spend(channel.send_tokens, elapsed)
        tokens[channel.pk] = left
        token_times[channel.pk] = now
        if wait_s > 0:
            waits[channel.pk] = now + timedelta(seconds=wait_s)
    for channel, _adapter, wait in sends:
        if wait is not None:
            waits[channel.pk] = wait
    # One statement for the batch, written out: the ORM's Case/When took 5 ms of CPU to
    # compile for 16 channels (see orkesteri/lib/sql.py).
    assignments, params = sql.per_row(
        {
            "send_tokens": tokens,
            "send_tokens_at": token_times,
            "not_before": waits,
            "last_used_at": dict.fromkeys((channel.pk for channel, _a in ok), now),
        }
    )
    ids = [channel.pk for channel, _a, _w in sends]
    sql.execute(
        f"UPDATE {Channel._meta.db_table} SET busy_until = NULL"
        f"{', ' if assignments else ''}{assignments} WHERE id IN ({sql.placeholders(len(ids))})",
        [*params, *ids],
    )


def note_failure(channel: Channel, error: AdapterError) -> None:
    """The one place an adapter error is written down on a channel."""
    status = (
        Channel.Status.NEEDS_RECONNECT if isinstance(error, AuthExpired) else Channel.Status.ERROR
    )
    logger.info("channel %s (%s): %s", channel.pk, channel.network, error.message)
    newly_lost = (
        status == Channel.Status.NEEDS_RECONNECT
        and Channel.objects.filter(pk=channel.pk)
        .exclude(status=Channel.Status.NEEDS_RECONNECT)
        .update(status=status)
        == 1
    )
    channel.status = status
    channel.status_message = error.message
    now = timezone.now()
    channel.status_changed_at = now
    channel.save(update_fields=["status", "status_message", "status_changed_at"])
    if newly_lost:
        # Once per loss, not per failed post: the managers are the ones who can reconnect.
        # The key is this loss's time, fixed here: later failures rewrite status_changed_at.
        from orkesteri.channels.tasks import send_reconnect_email

        pk, key = channel.pk, f"channel:{channel.pk}:reconnect:{now.isoformat()}"
        transaction.on_commit(lambda: send_reconnect_email(pk, key))


def test_text(channel: Channel) -> str:
    with translation.override(default_language(channel.workspace)):
        return _("Test post from Orkesteri: %(name)s is connected. You can delete this post.") % {
            "name": channel.display_name
        }


def send_test_post(channel: Channel, actor: User | None, text: str = "") -> Receipt:
    """Publish a short post so the user sees the channel works end to end."""
    if channel.demo:
        raise ActionError(
            _("%(name)s is a demo channel: there is no account behind it to post to.")
            % {"name": channel.display_name}
        )
    adapter = open_adapter(channel)
    draft = Draft(text or test_text(channel))
    problems = adapter.problems(draft)
    if problems:
        raise ActionError({"text": " ".join(problems)})
    try:
        receipt = adapter.publish(draft, key=f"test-{channel.pk}-{uuid.uuid4().hex}")
    except AdapterError as e:
        note_failure(channel, e)
        raise
    note_success(channel, adapter)
    record(channel.workspace, actor, "channel.test_post", _target(channel))
    return receipt
