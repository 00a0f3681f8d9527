"""Threads: text rules now; the adapter comes with the "more networks" roadmap step."""

from orkesteri.lib.text import TextRules
from orkesteri.lib.text.simple import Unit
from orkesteri.networks.base import ImagePreset

# 500 characters, emoji counted as their UTF-8 bytes, at most 5 unique links
# (https://developers.facebook.com/docs/threads/posts, Limitations).
TEXT_RULES = TextRules(counter="simple", limit=500, unit=Unit.EMOJI_UTF8, max_links=5)

# Images (https://developers.facebook.com/docs/threads/overview#image-specifications): JPEG or
# PNG, at most 8 MB, aspect ratio up to 10:1, 320 to 1440 px wide. No recommended size is
# documented; 4:5 at 1080 px wide is how the app shows a tall photo, as on Instagram.
MAX_IMAGE_BYTES = 8 * 1024 * 1024
IMAGE_PRESETS = (ImagePreset("threads-portrait", "Threads 4:5", 1080, 1350, MAX_IMAGE_BYTES),)
