"""LinkedIn: text rules now; the adapter comes with the "more networks" roadmap step."""

from orkesteri.lib.text import TextRules
from orkesteri.lib.text.simple import Unit
from orkesteri.networks.base import ImagePreset

# A post's commentary holds 3000 characters; the unit is not documented, so UTF-16 (never
# under-counts) — https://learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api
TEXT_RULES = TextRules(counter="simple", limit=3000, unit=Unit.UTF16)

# Images API (https://learn.microsoft.com/linkedin/marketing/community-management/shares/images-api):
# JPG, GIF or PNG, at most 36,152,320 pixels. No size is documented for a post's image;
# 1200×627 (1.91:1) is the shape LinkedIn uses for shared links, and a single image shows
# uncropped at that ratio. No byte limit is documented for images.
IMAGE_PRESETS = (ImagePreset("linkedin-landscape", "LinkedIn 1.91:1", 1200, 627),)
