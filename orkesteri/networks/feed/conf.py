"""The built-in Atom feed: Orkesteri is the network, so every number here is our own choice."""

from orkesteri.lib.text import TextRules
from orkesteri.lib.text.simple import Unit

# Atom (RFC 4287) sets no length; 10,000 characters keeps one entry readable in a feed reader.
TEXT_RULES = TextRules(counter="simple", limit=10_000, unit=Unit.CODE_POINTS)
# The entry title is the text's first line, cut here (feed readers show ~80 characters).
TITLE_LENGTH = 80
# Entries a feed document lists, newest first (readers poll; history beyond this is not needed).
FEED_ENTRIES = 50
# Feed ids are URL-safe random strings: the URL is public but unguessable.
FEED_ID_BYTES = 18
