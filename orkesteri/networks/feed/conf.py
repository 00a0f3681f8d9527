"""The built-in Atom feed: Orkesteri is the network, so every number here is our own choice."""

from orkesteri.lib.text import TextRules
from orkesteri.lib.text.simple import Unit
from orkesteri.networks.base import ImagePreset

# Atom (RFC 4287) sets no length; 10,000 characters keeps one entry readable in a feed reader.
TEXT_RULES = TextRules(counter="simple", limit=10_000, unit=Unit.CODE_POINTS)
# The entry title is the text's first line, cut here (feed readers show ~80 characters).
TITLE_LENGTH = 80
# Entries a feed document lists, newest first (readers poll; history beyond this is not needed).
FEED_ENTRIES = 50
# Feed ids are URL-safe random strings: the URL is public but unguessable.
FEED_ID_BYTES = 18

# Images: feed readers show them inline from the entry's content and enclosures. Our own
# choices, like everything here: up to 4 per entry, the types every reader displays, and
# one landscape rendition (the 1.91:1 … 16:9 shape readers and link previews crop to).
MAX_IMAGES = 4
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_ALT_TEXT = 1500
IMAGE_PRESETS = (ImagePreset("feed-landscape", "Atom feed 1200×675", 1200, 675),)
