"""`orkesteri rotate-key`: re-encrypt every stored credential under the first key.

Put the new key first in ORKESTERI_ENCRYPTION_KEY (keep the old ones after it), run this, then
drop the old keys. Safe to run again: an already rotated token is simply re-encrypted.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from orkesteri.channels.models import Channel
from orkesteri.lib import crypto

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypt stored channel credentials with the first ORKESTERI_ENCRYPTION_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        crypto.reset_cache()
        rotated, unreadable = 0, []
        ids = list(Channel.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            with transaction.atomic():
                for channel in Channel.objects.select_for_update().filter(
                    pk__in=ids[start : start + BATCH]
                ):
                    try:
                        channel.credentials = crypto.rotate(channel.credentials)
                    except crypto.SecretUnreadable:
                        unreadable.append(channel)
                        continue
                    channel.save(update_fields=["credentials"])
                    rotated += 1
        self.stdout.write(f"re-encrypted the credentials of {rotated} channel(s)")
        for channel in unreadable:
            self.stderr.write(
                f"channel {channel.pk} ({channel}) in workspace {channel.workspace_id}: "
                "no configured key opens its credentials; reconnect it"
            )
        if unreadable:
            sys.exit(1)
