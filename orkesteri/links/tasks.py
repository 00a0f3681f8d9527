"""Forget the visitors of the days that are over (their salts and digests), every hour."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from orkesteri.links import actions


@db_periodic_task(crontab(minute="7"))
def forget_visitors() -> None:
    """Hourly rather than at midnight: a missed run (the worker was down) is made up soon."""
    actions.forget_visitors()
