"""Bluesky (AT Protocol): constants, each with the documentation it comes from.

Lexicons are quoted from https://github.com/bluesky-social/atproto/tree/main/lexicons
(as published in @atproto/api 0.20.44).
"""

from orkesteri.lib.text import TextRules
from orkesteri.networks.base import ImagePreset, Rate

# The service most accounts live on (bluesky-social/social-app src/lib/constants.ts
# BSKY_SERVICE); any PDS may be entered instead.
DEFAULT_SERVICE_URL = "https://bsky.social"
# Public web pages of posts and profiles (https://bsky.app/profile/<handle>/post/<rkey>).
APP_URL = "https://bsky.app"
APP_PASSWORDS_URL = "https://bsky.app/settings/app-passwords"

POST_COLLECTION = "app.bsky.feed.post"

# app.bsky.feed.post#main: record.text maxGraphemes 300 and maxLength 3000 (UTF-8 bytes).
TEXT_RULES = TextRules(counter="bluesky", limit=300, max_bytes=3000)

# app.bsky.embed.images#main: images maxLength 4.
MAX_IMAGES = 4
# app.bsky.embed.images#image: blob accept "image/*". The official app uploads GIFs as video
# (social-app src/lib/constants.ts SUPPORTED_MIME_TYPES lists image/gif with the video
# types), and an image blob shows a GIF's first frame only; so the still formats.
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
# app.bsky.embed.images#image: blob maxSize. The lexicon now says 2,000,000 bytes ("May be up
# to 2 MB, formerly limited to 1 MB"); servers on an older lexicon refuse anything above
# 1,000,000, so the safe reading for "any PDS" is the old limit.
MAX_IMAGE_BYTES = 1_000_000

# Renditions: the official app scales images to at most 2000×2000 before uploading
# (bluesky-social/social-app src/lib/constants.ts POST_IMG_MAX: width 2000, height 2000,
# size 1000000), so a rendition of that size is shown as is; each must fit MAX_IMAGE_BYTES.
# Bluesky documents no preferred shape; the app shows a single image in its own ratio,
# so a 16:9 landscape and a square.
IMAGE_PRESETS = (
    ImagePreset("bluesky-landscape", "Bluesky 16:9", 2000, 1125, MAX_IMAGE_BYTES),
    ImagePreset("bluesky-square", "Bluesky 1:1", 2000, 2000, MAX_IMAGE_BYTES),
)
# Alt text: the lexicon sets no limit; the official app stops at 2000 graphemes
# (bluesky-social/social-app src/lib/constants.ts MAX_ALT_TEXT). Counted here in code
# points, which is never fewer than graphemes, so a text that passes also passes there.
MAX_ALT_TEXT = 2000
# Threads are reply chains of ordinary posts; no documented limit on their length.
MAX_THREAD = 100
# app.bsky.feed.post#main: langs maxLength 3 (BCP-47 tags).
MAX_LANGS = 3

# app.bsky.embed.external#external: thumb blob accept "image/*", maxSize 1,000,000.
MAX_THUMB_BYTES = 1_000_000
# How much of a linked page is read for its card (og: tags live in <head>). Not documented
# by Bluesky; a cap so a huge page cannot tie up a worker.
MAX_PAGE_BYTES = 2_000_000
# Not documented; the official card shows a few lines, so longer texts are cut.
MAX_CARD_TITLE = 300
MAX_CARD_DESCRIPTION = 1000

# 429 answers carry rate-limit headers (https://docs.bsky.app/docs/advanced-guides/rate-limits);
# ratelimit-reset is the Unix time (seconds) when the window resets. createSession is limited
# to 30 per 5 minutes and 300 a day per account, so sessions are kept and refreshed.
RATELIMIT_RESET_HEADER = "ratelimit-reset"

# XRPC error names (https://atproto.com/specs/xrpc#error-responses and the lexicons'
# "errors"): session tokens past their life, and what createSession refuses.
SESSION_ERRORS = frozenset({"ExpiredToken", "InvalidToken"})
TAKEDOWN_ERRORS = frozenset({"AccountTakedown", "AccountDeactivated"})
# A PDS with no AppView configured answers app.bsky.* reads with 400 and this message
# (@atproto/pds pipethrough: "No service configured for <nsid>").
NO_APPVIEW_MARKER = "No service configured"

# TID syntax (https://atproto.com/specs/tid): 13 characters of base32-sortable, the first
# bit zero, 53 bits of microseconds since the Unix epoch, then a 10-bit clock id.
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
TID_LENGTH = 13
# Record keys made from a Delivery key carry a made-up time inside this past window
# (2023-01-01 UTC plus up to 2**44 µs, about 203 days), so they never sort after real TIDs
# written in the future; see records.tid_from_key.
TID_EPOCH_US = 1_672_531_200_000_000
TID_SPAN_BITS = 44

# Bluesky's PDS allows 5,000 write points an hour per account and a create costs 3
# (docs.bsky.app, "Rate Limits"): about 1,666 posts an hour.
PUBLISH_RATE = Rate(1666, 3600)

# Analytics. app.bsky.feed.getPosts: uris maxLength 25
# (https://github.com/bluesky-social/atproto/blob/main/lexicons/app/bsky/feed/getPosts.json).
GET_POSTS_MAX = 25
# app.bsky.feed.getAuthorFeed: limit 1..100, filter "posts_no_replies" leaves out replies;
# reposts still come, marked by a `reason` (lexicons/app/bsky/feed/getAuthorFeed.json).
AUTHOR_FEED_PAGE = 100
AUTHOR_FEED_FILTER = "posts_no_replies"
