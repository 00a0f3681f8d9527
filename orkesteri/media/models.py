"""Assets (uploaded images) and their renditions (one per network preset and edits)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orkesteri.workspaces.models import Workspace

SHARE = [MinValueValidator(0.0), MaxValueValidator(1.0)]


def asset_path(asset: Asset, filename: str) -> str:
    # A random name: the user's file name is kept in `original_name`, never in a path.
    ext = filename.rsplit(".", 1)[-1].lower()
    return f"media/{asset.workspace_id}/{uuid.uuid4().hex}.{ext}"


def rendition_path(rendition: Rendition, filename: str) -> str:
    return f"media/{rendition.asset.workspace_id}/r/{uuid.uuid4().hex}.jpg"


class Asset(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="assets")
    file = models.FileField(upload_to=asset_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    mime = models.CharField(max_length=50)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bytes = models.PositiveBigIntegerField()
    alt_text = models.TextField(_("alt text"), blank=True)
    # Where the subject is, as shares of the width and height (0..1); crops keep it inside.
    focal_x = models.FloatField(null=True, blank=True, validators=SHARE)
    focal_y = models.FloatField(null=True, blank=True, validators=SHARE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(focal_x__isnull=True, focal_y__isnull=True)
                    | models.Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1)
                ),
                name="media_asset_focal_in_image",
            )
        ]

    def __str__(self) -> str:
        return self.original_name

    @property
    def focal(self) -> tuple[float, float] | None:
        if self.focal_x is None or self.focal_y is None:
            return None
        return self.focal_x, self.focal_y


class Rendition(models.Model):
    """A derived file: deleting one only costs the time to make it again."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="renditions")
    preset = models.CharField(max_length=64)
    edits = models.CharField(max_length=16, blank=True)  # Edits.fingerprint(); "" = none
    file = models.FileField(upload_to=rendition_path, max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bytes = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "preset", "edits"], name="media_rendition_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.asset} {self.preset}"


@receiver(post_delete, sender=Asset)
@receiver(post_delete, sender=Rendition)
def delete_file(sender: type[models.Model], instance: Any, **kwargs: Any) -> None:
    """Rows also go when their workspace is deleted (a cascade): their files follow, but
    only once the deletion is committed."""
    if instance.file:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(lambda: storage.delete(name))
