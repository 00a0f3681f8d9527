"""Media benchmark: 4 renditions + watermark of a 12 MP photo vs. the bare Pillow resizes.

The photo (4000×3000, gradients + grain + shapes, JPEG q90) is generated into a temporary
directory each run. Both sides start from the JPEG's bytes and end with four JPEG files:

- pipeline: `orkesteri.media.images` as the media library runs it: one decode for all four
  presets, EXIF orientation, crop to each preset's shape (built-in saliency crop), resize,
  the logo watermark, JPEG encode;
- bare Pillow: `Image.open` + `load`, then for each size a centred `resize(box=...)` with
  LANCZOS and a JPEG save at the same quality.

Sizes: Instagram 1080×1350, 1080×1080 and 1080×1920 (story), X 1600×900. Prints both
times (best of --runs, taken in turns) and the ratio; `--json` prints
{"pipeline_s", "bare_pillow_s", "ratio"}.
Goal (DESIGN.md §10): ratio ≤ 1.3.

    .venv/bin/python bench/media.py [--json] [--runs 5]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from orkesteri.media import images  # after the path is set

SIZES = [(1080, 1350), (1080, 1080), (1080, 1920), (1600, 900)]
QUALITY = images.JPEG_QUALITIES[0]


def make_photo(folder: Path) -> Path:
    """A synthetic 12 MP photo: smooth gradients, grain and a few shapes, like a real one."""
    w, h = 4000, 3000
    sky = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize((w, h)),
            Image.radial_gradient("L").resize((w, h)),
            Image.linear_gradient("L").rotate(90).resize((w, h)),
        ),
    )
    grain = Image.effect_noise((w, h), 30).convert("RGB")
    photo = Image.blend(sky, grain, 0.25)
    draw = ImageDraw.Draw(photo)
    for i in range(12):
        x, y = 300 + i * 290, 900 + (i % 4) * 350
        draw.ellipse((x, y, x + 260, y + 260), fill=(40 + i * 15, 90, 200 - i * 10))
    path = folder / "photo.jpg"
    photo.save(path, "JPEG", quality=90)
    return path


def make_logo() -> Image.Image:
    logo = Image.new("RGBA", (512, 256), (0, 0, 0, 0))
    ImageDraw.Draw(logo).rounded_rectangle((0, 0, 511, 255), 40, fill=(255, 255, 255, 230))
    return logo


def pipeline(data: bytes, logo: Image.Image) -> list[bytes]:
    targets = [images.Target(w, h) for w, h in SIZES]
    source = images.decode_for(data, targets)
    edits = images.Edits(watermark=True)
    return [images.render(source, t, edits=edits, logo=logo) for t in targets]


def bare_pillow(data: bytes) -> list[bytes]:
    image = Image.open(io.BytesIO(data))
    image.load()
    out = []
    for w, h in SIZES:
        box = centred_box(image.size, w, h)
        buffer = io.BytesIO()
        image.resize((w, h), Image.Resampling.LANCZOS, box=box).save(
            buffer, "JPEG", quality=QUALITY
        )
        out.append(buffer.getvalue())
    return out


def centred_box(size: tuple[int, int], w: int, h: int) -> tuple[int, int, int, int]:
    sw, sh = size
    if sw * h > sh * w:
        cw = round(sh * w / h)
        return (sw - cw) // 2, 0, (sw - cw) // 2 + cw, sh
    ch = round(sw * h / w)
    return 0, (sh - ch) // 2, sw, (sh - ch) // 2 + ch


def best_of(runs: int, *works: Callable[[], object]) -> list[float]:
    """The best time of each of `works`, run in turns so that a busy moment hits both."""
    best = [float("inf")] * len(works)
    for _ in range(runs):
        for i, work in enumerate(works):
            start = time.perf_counter()
            work()
            best[i] = min(best[i], time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--runs", type=int, default=5, help="timed runs each (best counts)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = make_photo(Path(folder)).read_bytes()
    logo = make_logo()
    made = pipeline(data, logo)
    assert [Image.open(io.BytesIO(d)).size for d in made] == SIZES
    ours, bare = best_of(args.runs, lambda: pipeline(data, logo), lambda: bare_pillow(data))
    result = {"pipeline_s": round(ours, 4), "bare_pillow_s": round(bare, 4)}
    result["ratio"] = round(ours / bare, 3)
    if args.json:
        print(json.dumps(result))
        return
    print(f"12 MP photo ({len(data) / 1e6:.1f} MB JPEG), sizes {SIZES}")
    print(f"pipeline (4 renditions + watermark): {ours:.3f} s")
    print(f"bare Pillow resizes:                 {bare:.3f} s")
    print(f"ratio: {result['ratio']}× (goal ≤ 1.3×)")


if __name__ == "__main__":
    main()
