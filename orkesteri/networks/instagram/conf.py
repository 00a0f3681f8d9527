"""Instagram: caption rules now; the adapter comes with the "more networks" roadmap step."""

from orkesteri.lib.text import TextRules
from orkesteri.lib.text.simple import Unit
from orkesteri.networks.base import ImagePreset

# Caption: 2,200 characters, 30 hashtags, 20 @ tags (Instagram Graph API, ig-user/media,
# `caption`). Unit not documented: UTF-16 never under-counts.
TEXT_RULES = TextRules(
    counter="simple", limit=2200, unit=Unit.UTF16, max_hashtags=30, max_mentions=20
)

# Images (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media#image-specifications):
# JPEG, at most 8 MB, aspect ratio between 4:5 and 1.91:1, 320 to 1440 px wide. Instagram
# shows feed photos 1080 px wide (https://help.instagram.com/1631821640426723), so the
# presets are 1080 wide: portrait 4:5 (the tallest the feed takes), square, and the 9:16
# story (https://developers.facebook.com/docs/instagram-platform/content-publishing#stories).
MAX_IMAGE_BYTES = 8 * 1024 * 1024
IMAGE_PRESETS = (
    ImagePreset("instagram-portrait", "Instagram 4:5", 1080, 1350, MAX_IMAGE_BYTES),
    ImagePreset("instagram-square", "Instagram 1:1", 1080, 1080, MAX_IMAGE_BYTES),
    ImagePreset("instagram-story", "Instagram story 9:16", 1080, 1920, MAX_IMAGE_BYTES),
)
