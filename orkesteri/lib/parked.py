"""Uploaded files parked between a preview and its confirmation (the CSV imports).

The file goes to the media storage under a folder of its own per workspace, named by a
random token the session remembers; confirming reads it back by that token only. Files of
previews nobody confirmed are swept after `keep`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone


@dataclass(frozen=True)
class Parking:
    prefix: str  # e.g. "imports": files go to <prefix>/<workspace id>/<token>.csv
    keep: timedelta = timedelta(days=1)

    def park(self, workspace_id: int, data: bytes) -> str:
        """Store the file; the token that finds it again."""
        self.sweep(workspace_id)
        token = secrets.token_hex(16)
        default_storage.save(self._name(workspace_id, token), ContentFile(data))
        return token

    def load(self, workspace_id: int, token: str) -> bytes | None:
        """The parked file, or None when the token is not one (or it was swept)."""
        name = self._name(workspace_id, token)
        if not token.isalnum() or not default_storage.exists(name):
            return None
        with default_storage.open(name, "rb") as f:
            data: bytes = f.read()
        return data

    def forget(self, workspace_id: int, token: str) -> None:
        if token.isalnum():
            default_storage.delete(self._name(workspace_id, token))

    def sweep(self, workspace_id: int) -> None:
        """Files of previews nobody confirmed go after `keep`."""
        folder = self._folder(workspace_id)
        if not default_storage.exists(folder):
            return
        cutoff = timezone.now() - self.keep
        for name in default_storage.listdir(folder)[1]:
            if default_storage.get_modified_time(folder + name) < cutoff:
                default_storage.delete(folder + name)

    def _folder(self, workspace_id: int) -> str:
        return f"{self.prefix}/{workspace_id}/"

    def _name(self, workspace_id: int, token: str) -> str:
        return f"{self._folder(workspace_id)}{token}.csv"
