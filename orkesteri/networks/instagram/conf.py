"""Instagram: caption rules now; the adapter comes with the "more networks" roadmap step."""

from orkesteri.lib.text import TextRules
from orkesteri.lib.text.simple import Unit

# Caption: 2,200 characters, 30 hashtags, 20 @ tags (Instagram Graph API, ig-user/media,
# `caption`). Unit not documented: UTF-16 never under-counts.
TEXT_RULES = TextRules(
    counter="simple", limit=2200, unit=Unit.UTF16, max_hashtags=30, max_mentions=20
)
