"""LinkedIn: text rules now; the adapter comes with the "more networks" roadmap step."""

from orkesteri.lib.text import TextRules
from orkesteri.lib.text.simple import Unit

# A post's commentary holds 3000 characters; the unit is not documented, so UTF-16 (never
# under-counts) — https://learn.microsoft.com/linkedin/marketing/community-management/shares/posts-api
TEXT_RULES = TextRules(counter="simple", limit=3000, unit=Unit.UTF16)
