"""Threads: text rules now; the adapter comes with the "more networks" roadmap step."""

from orkesteri.lib.text import TextRules
from orkesteri.lib.text.simple import Unit

# 500 characters, emoji counted as their UTF-8 bytes, at most 5 unique links
# (https://developers.facebook.com/docs/threads/posts, Limitations).
TEXT_RULES = TextRules(counter="simple", limit=500, unit=Unit.EMOJI_UTF8, max_links=5)
