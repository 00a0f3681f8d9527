"""Images for tests: built with Pillow in memory, never committed as binaries."""

from __future__ import annotations

import io

from PIL import Image

from orkesteri.accounts.models import User
from orkesteri.media.actions import upload_asset
from orkesteri.media.models import Asset
from orkesteri.workspaces.models import Membership, Workspace


def photo(width: int = 400, height: int = 300, fmt: str = "JPEG", noise: bool = False) -> bytes:
    """A photo-like image: a colour gradient, with grain when `noise`."""
    image = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize((width, height)),
            Image.linear_gradient("L").rotate(90).resize((width, height)),
            Image.new("L", (width, height), 120),
        ),
    )
    if noise:
        grain = Image.effect_noise((width, height), 80).convert("RGB")
        image = Image.blend(image, grain, 0.5)
    out = io.BytesIO()
    image.save(out, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))
    return out.getvalue()


def make_asset(workspace: Workspace, user: User, data: bytes | None = None) -> Asset:
    member = Membership.objects.get(workspace=workspace, user=user)
    return upload_asset(member, data or photo(), "photo.jpg")


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def rgb(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    value = image.getpixel(xy)
    assert isinstance(value, tuple)
    return value
