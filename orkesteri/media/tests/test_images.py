"""The pure pipeline: crops, sizes, byte limits and edits, checked on pixels."""

from __future__ import annotations

import sys
import types

import pytest
from PIL import Image

from orkesteri.media import images
from orkesteri.media.images import Edits, Target
from orkesteri.media.testing import decoded, photo, rgb


def square_logo(colour: tuple[int, int, int, int] = (255, 0, 0, 255)) -> Image.Image:
    return Image.new("RGBA", (100, 100), colour)


def grey(width: int = 800, height: int = 600) -> Image.Image:
    return Image.new("RGB", (width, height), (128, 128, 128))


@pytest.mark.parametrize(
    "size", [(1080, 1350), (1080, 1080), (1080, 1920), (1600, 900), (1200, 627)]
)
def test_it_makes_exactly_the_preset_size(size: tuple[int, int]) -> None:
    source = images.decode_for(photo(4000, 3000), [Target(*size)])
    out = decoded(images.render(source, Target(*size)))
    assert out.size == size
    assert out.format == "JPEG"


def test_it_decodes_a_big_jpeg_at_a_reduced_scale_when_the_targets_allow() -> None:
    source = images.decode_for(photo(4000, 3000), [Target(600, 400)])
    assert source.size == (1000, 750)  # JPEG DCT scaling: 1/4, still larger than needed


def test_it_keeps_the_focal_point_inside_the_crop() -> None:
    image = grey(1000, 500)
    for fx in (0.0, 0.05, 0.5, 0.93, 1.0):
        left, top, right, bottom = images.crop_box(image, 100, 100, focal=(fx, 0.5))
        assert right - left == 500 and bottom - top == 500
        assert left <= fx * 1000 <= right


def test_it_centres_the_crop_on_the_focal_point_when_it_can() -> None:
    assert images.crop_box(grey(1000, 500), 1, 1, focal=(0.5, 0.5)) == (250, 0, 750, 500)
    assert images.crop_box(grey(500, 1000), 1, 1, focal=(0.5, 0.3)) == (0, 50, 500, 550)


def test_without_a_focal_point_the_crop_follows_the_detail() -> None:
    image = grey(1200, 400)
    # A busy chequered patch near the right edge: the square crop must include it.
    patch = Image.effect_noise((200, 200), 120).convert("RGB")
    image.paste(patch, (950, 100))
    left, _top, right, _bottom = images.crop_box(image, 1, 1)
    assert left <= 950 and right >= 1150


def test_a_flat_image_crops_to_its_middle() -> None:
    assert images.crop_box(grey(1000, 500), 1, 1) == (250, 0, 750, 500)


def test_it_uses_smartcrop_when_it_is_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    class FakeSmartCrop:
        def crop(self, image: Image.Image, width: int, height: int) -> dict:
            return {"top_crop": {"x": 0, "y": 0, "width": width, "height": height}}

    monkeypatch.setitem(sys.modules, "smartcrop", types.SimpleNamespace(SmartCrop=FakeSmartCrop))
    assert images.crop_box(grey(1000, 500), 1, 1) == (0, 0, 500, 500)


def test_it_fits_the_bluesky_byte_limit() -> None:
    target = Target(2000, 2000, 1_000_000)
    source = images.decode_for(photo(3000, 3000, noise=True), [target])
    data = images.render(source, target)
    assert len(data) <= 1_000_000
    assert decoded(data).size == (2000, 2000)


def test_it_refuses_when_no_quality_fits_the_limit() -> None:
    with pytest.raises(images.TooBig):
        images.render(grey(), Target(800, 600, 100))


@pytest.mark.parametrize(
    ("position", "probe"),
    [
        ("top-left", (20, 20)),
        ("top-right", (780, 20)),
        ("bottom-left", (20, 580)),
        ("bottom-right", (780, 580)),
        ("center", (400, 300)),
    ],
)
def test_it_places_the_watermark(position: str, probe: tuple[int, int]) -> None:
    edits = Edits(watermark=True, position=position, size=0.1, opacity=1.0)
    out = images.watermark(grey(), square_logo(), edits)
    assert rgb(out, probe) == (255, 0, 0)
    others = {(20, 20), (780, 20), (20, 580), (780, 580), (400, 300)} - {probe}
    assert all(rgb(out, p) == (128, 128, 128) for p in others)


def test_the_watermark_has_the_chosen_size_and_margin() -> None:
    edits = Edits(watermark=True, position="top-left", size=0.25, opacity=1.0)
    out = images.watermark(grey(800, 600), square_logo(), edits)
    margin = round(600 * 0.03)
    assert rgb(out, (margin, margin)) == (255, 0, 0)
    assert rgb(out, (margin + 199, margin + 199)) == (255, 0, 0)
    assert rgb(out, (margin + 201, margin + 100)) == (128, 128, 128)
    assert rgb(out, (margin - 1, margin)) == (128, 128, 128)


def test_the_watermark_is_as_opaque_as_asked() -> None:
    logo = square_logo((255, 255, 255, 255))
    edits = Edits(watermark=True, position="center", size=0.1, opacity=0.5)
    marked = images.watermark(Image.new("RGB", (800, 600), "black"), logo, edits)
    r, g, b = rgb(marked, (400, 300))
    assert 120 <= r <= 135 and r == g == b


def test_the_watermark_keeps_the_logos_transparency() -> None:
    logo = Image.new("RGBA", (100, 100), (255, 0, 0, 0))
    edits = Edits(watermark=True, position="center", size=0.1, opacity=1.0)
    assert rgb(images.watermark(grey(), logo, edits), (400, 300)) == (128, 128, 128)


def test_enhance_keeps_the_size_and_stretches_the_levels() -> None:
    dull = Image.linear_gradient("L").resize((300, 200)).point(lambda v: 100 + v // 5)
    out = images.enhance(dull.convert("RGB"))
    assert out.size == (300, 200)
    low, high = out.convert("L").getextrema()
    assert isinstance(low, int) and isinstance(high, int)
    assert low < 20 and high > 235


def test_a_transparent_png_is_flattened_on_white() -> None:
    image = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    out = decoded(images.render(image, Target(200, 150)))
    assert out.mode == "RGB"
    assert min(rgb(out, (100, 75))) >= 250


def test_edits_fingerprint_is_stable_and_empty_without_edits() -> None:
    assert Edits().fingerprint() == ""
    assert Edits(size=0.5).fingerprint() == ""  # watermark settings only count when it is on
    on = Edits(watermark=True)
    assert on.fingerprint("logo.png") == Edits(watermark=True).fingerprint("logo.png")
    assert on.fingerprint("logo.png") != on.fingerprint("other.png")
    assert Edits(enhance=True).fingerprint() != on.fingerprint("logo.png")
