"""The image pipeline: pure Pillow functions, no models, no storage (docs/media.md).

`open_checked` is the one gate every uploaded image passes (media library and workspace
logo): the type is sniffed from the bytes, the bytes and the pixels are capped before
anything is decoded. `render` makes one rendition: crop to the preset's shape around the
focal point (or a saliency guess), resize, then the optional edits.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import struct
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from PIL import Image, ImageFilter, ImageOps, JpegImagePlugin, UnidentifiedImageError

# A damaged file makes Pillow raise any of these while decoding.
DAMAGED_IMAGE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, struct.error)

UPLOAD_FORMATS = ("JPEG", "PNG", "WEBP", "AVIF", "GIF")
POSITIONS = ("top-left", "top-right", "bottom-left", "bottom-right", "center")
JPEG_QUALITIES = (85, 75, 65, 55, 45, 35)  # tried in turn until a rendition fits max_bytes
ORIGINAL_QUALITY = 95  # re-encoding the stored original: near-lossless
EXIF_ORIENTATION = 0x0112
EXIF_GPS_IFD = 0x8825


class ImageRefused(Exception):
    """An upload the pipeline will not take; subclasses say why."""


class TooBig(ImageRefused):
    pass


class TooManyPixels(ImageRefused):
    def __init__(self, width: int = 0, height: int = 0) -> None:
        self.width, self.height = width, height
        super().__init__(f"{width}×{height}")


class Unreadable(ImageRefused):
    pass


def open_checked(
    data: bytes, *, formats: Sequence[str], max_bytes: int, max_pixels: int
) -> Image.Image:
    """Decode `data` if it is one of `formats` (by content, not name) within the caps.

    The pixel count is read from the header and checked before the pixels are decoded, so
    a decompression bomb (a few KB that decode to gigabytes) is refused cheaply.
    """
    if len(data) > max_bytes:
        raise TooBig()
    try:
        image = Image.open(io.BytesIO(data), formats=list(formats))
        width, height = image.size
        if width * height > max_pixels:
            raise TooManyPixels(width, height)
        image.load()
    except Image.DecompressionBombError as e:  # beyond Pillow's own limit: no size to show
        raise TooManyPixels() from e
    except (UnidentifiedImageError, *DAMAGED_IMAGE_ERRORS) as e:
        raise Unreadable() from e
    return image


# --- the stored original ------------------------------------------------------------------


def is_animated(image: Image.Image) -> bool:
    return getattr(image, "n_frames", 1) > 1


def clean_exif(image: Image.Image, keep: bool) -> bytes:
    """The EXIF to store: none by default; with `keep`, all but GPS, orientation reset."""
    if not keep:
        return b""
    exif = image.getexif()
    exif.pop(EXIF_GPS_IFD, None)
    exif[EXIF_ORIENTATION] = 1
    return exif.tobytes()


def sanitized(image: Image.Image, keep_exif: bool = False) -> tuple[bytes, Image.Image]:
    """The original re-encoded in its own format: upright, EXIF/GPS and comments gone.

    Returns the bytes and the upright image (for width and height, and to render from).
    """
    fmt = image.format or "PNG"
    if is_animated(image):
        out = io.BytesIO()
        image.save(out, format=fmt, save_all=True, **_encoder_options(fmt))
        return out.getvalue(), image
    exif = clean_exif(image, keep_exif)
    turned = upright(image)
    out = io.BytesIO()
    options = _encoder_options(fmt)
    if fmt == "JPEG" and JpegImagePlugin.get_sampling(image) >= 0:
        options["subsampling"] = JpegImagePlugin.get_sampling(image)  # as the camera did
    if image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]
    if exif:
        options["exif"] = exif
    if fmt == "JPEG" and turned.mode not in ("RGB", "L", "CMYK"):
        turned = turned.convert("RGB")
    turned.save(out, format=fmt, **options)
    return out.getvalue(), turned


def _encoder_options(fmt: str) -> dict[str, Any]:
    if fmt == "JPEG":
        return {"quality": ORIGINAL_QUALITY}
    if fmt in ("WEBP", "AVIF"):
        return {"quality": ORIGINAL_QUALITY}
    if fmt == "GIF":
        return {"comment": b""}  # else Pillow copies the upload's comment over
    return {"optimize": fmt == "PNG"}


# --- edits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edits:
    """What is done to a rendition after the crop; the original is never touched."""

    watermark: bool = False
    position: str = "bottom-right"
    size: float = 0.2  # logo width as a share of the rendition's width
    opacity: float = 0.7
    enhance: bool = False

    def fingerprint(self, logo_name: str = "") -> str:
        """A short stable key: equal edits (and the same logo) share their renditions."""
        if not self.watermark and not self.enhance:
            return ""
        recipe = asdict(self)
        if not self.watermark:
            recipe = {"enhance": True}
        else:
            recipe["logo"] = logo_name
        blob = json.dumps(recipe, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def enhance(image: Image.Image) -> Image.Image:
    """Stretch the levels without shifting colours, then a mild sharpen."""
    stretched = ImageOps.autocontrast(image, cutoff=1, preserve_tone=True)
    return stretched.filter(ImageFilter.UnsharpMask(radius=1.2, percent=40, threshold=3))


def watermark(image: Image.Image, logo: Image.Image, edits: Edits) -> Image.Image:
    """Paste `logo` at `edits.position`, `edits.size` of the width, `edits.opacity` opaque."""
    width = max(1, round(image.width * min(max(edits.size, 0.02), 1.0)))
    height = max(1, round(logo.height * width / logo.width))
    mark = logo.convert("RGBA").resize((width, height), Image.Resampling.LANCZOS)
    alpha = mark.getchannel("A").point(lambda a: round(a * min(max(edits.opacity, 0.0), 1.0)))
    margin = round(min(image.size) * 0.03)
    out = image.copy()
    out.paste(mark, _corner(out.size, mark.size, edits.position, margin), alpha)
    return out


def _corner(
    canvas: tuple[int, int], mark: tuple[int, int], position: str, margin: int
) -> tuple[int, int]:
    (cw, ch), (mw, mh) = canvas, mark
    if position == "center":
        return (cw - mw) // 2, (ch - mh) // 2
    x = margin if position.endswith("left") else cw - mw - margin
    y = margin if position.startswith("top") else ch - mh - margin
    return max(0, x), max(0, y)


# --- crop -------------------------------------------------------------------------------

Box = tuple[int, int, int, int]


def crop_box(
    image: Image.Image, width: int, height: int, focal: tuple[float, float] | None = None
) -> Box:
    """The largest box of the target's shape: around `focal` (0..1), else the busiest part."""
    w, h = image.size
    if w * height > h * width:  # wider than the target: cut the sides
        return _span("x", image, max(1, round(h * width / height)), focal)
    return _span("y", image, max(1, round(w * height / width)), focal)


def _span(axis: str, image: Image.Image, length: int, focal: tuple[float, float] | None) -> Box:
    w, h = image.size
    full = w if axis == "x" else h
    length = min(length, full)
    if focal is not None:
        start = _centred(full, length, (focal[0] if axis == "x" else focal[1]) * full)
    else:
        start = _salient_start(image, axis, length)
    start = min(max(0, start), full - length)
    return (start, 0, start + length, h) if axis == "x" else (0, start, w, start + length)


def _centred(full: int, length: int, centre: float) -> int:
    return round(centre - length / 2)


def _salient_start(image: Image.Image, axis: str, length: int) -> int:
    full = image.width if axis == "x" else image.height
    found = _smartcrop_start(image, axis, length)
    if found is not None:
        return found
    return edge_energy_start(image, axis, length / full)


def _smartcrop_start(image: Image.Image, axis: str, length: int) -> int | None:
    """The optional `smartcrop` package's choice, found on a small copy (it is slow)."""
    try:
        import smartcrop  # type: ignore[import-not-found]  # optional extra
    except ImportError:
        return None
    small = _small(image, 256).convert("RGB")
    scale = image.width / small.width
    w, h = (length / scale, small.height) if axis == "x" else (small.width, length / scale)
    result = smartcrop.SmartCrop().crop(small, max(1, round(w)), max(1, round(h)))
    top = result["top_crop"]
    return round(top["x" if axis == "x" else "y"] * scale)


def _small(image: Image.Image, side: int) -> Image.Image:
    """A copy about `side` px on its long side: every few pixels sampled (cheap even on
    12 MP), then box-averaged 4× so that grain does not read as detail."""
    scale = min(1.0, 4 * side / max(image.size))
    sampled = image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
        Image.Resampling.NEAREST,
    )
    return sampled.reduce(max(1, max(sampled.size) // side))


def edge_energy_start(image: Image.Image, axis: str, share: float) -> int:
    """Built-in saliency: the window with the most edges (detail) on a 64 px copy."""
    small = _small(image, 64).convert("L")
    edges = small.filter(ImageFilter.FIND_EDGES)
    sw, sh = edges.size
    pixels = edges.tobytes()
    if axis == "x":
        profile = [sum(pixels[x::sw]) for x in range(sw)]
    else:
        profile = [sum(pixels[y * sw : (y + 1) * sw]) for y in range(sh)]
    # The filter sees a border around the image as an edge: the outer lines do not count.
    profile[0] = profile[-1] = 0
    window = max(1, min(len(profile), round(len(profile) * share)))
    best, best_at, current = -1, 0, sum(profile[:window])
    best_centred = math.inf
    for start in range(len(profile) - window + 1):
        if start:
            current += profile[start + window - 1] - profile[start - 1]
        # Ties go to the window nearest the centre: a flat image crops to its middle.
        centred = abs(start + window / 2 - len(profile) / 2)
        if current > best or (current == best and centred < best_centred):
            best, best_at, best_centred = current, start, centred
    full = image.width if axis == "x" else image.height
    return round(best_at * full / len(profile))


# --- renditions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    width: int
    height: int
    max_bytes: int | None = None


def decode_for(data: bytes, targets: Sequence[Target]) -> Image.Image:
    """Decode an upload once for all `targets`: JPEGs are decoded at a reduced scale (DCT
    scaling, far faster than decoding 12 MP) as long as every crop still has enough pixels."""
    image = Image.open(io.BytesIO(data))
    if image.format == "JPEG" and targets:
        w, h = _upright_size(image)
        need = max(max(t.width / w, t.height / h) for t in targets)
        if need < 0.5:
            size = (math.ceil(need * w), math.ceil(need * h))
            image.draft(image.mode, size if (w, h) == image.size else (size[1], size[0]))
    image.load()
    return upright(image)


def upright(image: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says (no copy when it is already upright)."""
    if image.getexif().get(EXIF_ORIENTATION, 1) == 1:
        return image
    return ImageOps.exif_transpose(image) or image


def _upright_size(image: Image.Image) -> tuple[int, int]:
    w, h = image.size
    return (h, w) if image.getexif().get(EXIF_ORIENTATION, 1) in (5, 6, 7, 8) else (w, h)


def flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG: transparency goes onto white, as networks show it."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, "white")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return image.convert("RGB")


def render(
    image: Image.Image,
    target: Target,
    *,
    focal: tuple[float, float] | None = None,
    edits: Edits = Edits(),  # frozen, so one shared default is safe
    logo: Image.Image | None = None,
) -> bytes:
    """One rendition as JPEG bytes of exactly `target`'s size, under its byte limit."""
    box = crop_box(image, target.width, target.height, focal)
    size = (target.width, target.height)
    out = flatten(image).resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    if edits.enhance:
        out = enhance(out)
    if edits.watermark and logo is not None:
        out = watermark(out, logo, edits)
    return encode_jpeg(out, target.max_bytes)


def encode_jpeg(image: Image.Image, max_bytes: int | None) -> bytes:
    data = b""
    for quality in JPEG_QUALITIES:
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality)
        data = buffer.getvalue()
        if max_bytes is None or len(data) <= max_bytes:
            return data
    raise TooBig()  # not even at the lowest quality: no photo of a preset's size does this
