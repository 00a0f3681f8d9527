"""Outgoing email travels through the queue so a slow SMTP server never blocks a page."""

from __future__ import annotations

from django.core.mail import send_mail
from huey.contrib.djhuey import db_task


@db_task(retries=5, retry_delay=60)
def send_email(to: str, subject: str, body: str) -> None:
    send_mail(subject, body, None, [to])
