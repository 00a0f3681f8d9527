"""The collector's tasks (collect.py): a wake-up every five minutes that queues one task per
channel with figures due, so one slow or refusing network never holds up the others."""

from __future__ import annotations

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from orkesteri.analytics import collect

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
def collect_due() -> None:
    now = timezone.now()
    collect.ensure_collections(now)
    collect.track_published(now)
    for channel_id in collect.due_channels(now):
        collect_channel(channel_id)


@db_task()
def collect_channel(channel_id: int) -> None:
    """Collect one channel now; a new channel's first run also reads back its latest posts."""
    collect.ensure_collections(timezone.now(), channel_id)
    run = collect.collect_channel(channel_id)
    if run is not None:
        logger.debug("collected channel %s: %s", channel_id, run)
