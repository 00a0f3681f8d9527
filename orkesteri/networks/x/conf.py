"""X (Twitter): text rules now; the adapter (tweepy) comes with the "more networks" roadmap step."""

from orkesteri.lib.text import TextRules
from orkesteri.networks.base import ImagePreset

# twitter-text v3: weighted length 280, URLs count 23, emoji 2 (https://github.com/twitter/twitter-text).
TEXT_RULES = TextRules(counter="twitter", limit=280, twitter_config="v3")

# Images: at most 5 MB through the API (https://docs.x.com/x-api/media/introduction, "Image:
# 5 MB"). X documents no pixel size for posts; the timeline shows a single image at 16:9, so
# 1600×900 (16:9, sharp on high-density screens).
MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_PRESETS = (ImagePreset("x-landscape", "X 16:9", 1600, 900, MAX_IMAGE_BYTES),)
