"""VK constants, each with the documentation it comes from.

Which key can publish: VK's own API schema for the pinned version marks `wall.post`,
`wall.delete` and `photos.getWallUploadServer` as callable with a *user* key only
(https://github.com/VKCOM/vk-api-schema, wall/methods.json and photos/methods.json,
"access_token_type": ["user"]); dev.vk.com/method/wall.post says the same ("user access
token obtained in the standalone app through Implicit Flow", right `wall`). A community
key gets error 27 "Group authorization failed: method is unavailable with group auth"
(VKCOM/vk-java-sdk#7: "Wall.post method available only for call with user token";
VKCOM/vk-api-schema#242 for photos.getWallUploadServer). So a channel holds the key of a
person who administers or edits the community, and posts go out with from_group=1.
"""

from __future__ import annotations

from orkesteri.lib.text import TextRules
from orkesteri.lib.text.simple import Unit
from orkesteri.networks.base import ImagePreset, Rate

# https://dev.vk.com/ru/api/api-requests: "current version of the API — 5.199"; the schema
# files above are versioned 5.199 too.
API_VERSION = "5.199"

# https://dev.vk.com/ru/api/api-requests: POST https://api.vk.com/method/<method>.
# Tests point this at their local server (monkeypatch); read it at call time.
API_BASE_URL = "https://api.vk.com/method/"
SITE_URL = "https://vk.com/"

# https://dev.vk.com/en/reference/access-rights (user token): photos = 1 << 2, wall = 1 << 13,
# stats = 1 << 20 ("access to statistics of user groups and applications where he/she is an
# administrator").
RIGHT_PHOTOS = 1 << 2
RIGHT_WALL = 1 << 13
RIGHT_STATS = 1 << 20

# https://dev.vk.com/en/reference/objects/group, admin_level: 1 moderator, 2 editor,
# 3 administrator. Moderators cannot post as the community; editors and administrators can.
MIN_ADMIN_LEVEL = 2

# https://dev.vk.com/en/method/wall.post, "Restrictions on published content": "You can add
# no more than 10 media to the post (photos, videos)".
MAX_IMAGES = 10

# https://dev.vk.com/en/api/upload/wall-photo: "Accepted formats: JPG, PNG, GIF", "File size
# is no more than 50 MB", "Sum of the height and width is no more than 14,000 pixels",
# "Aspect ratio is at least 1:20".
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif")
MAX_IMAGE_BYTES = 50 * 1024 * 1024
MAX_IMAGE_SIDES_SUM = 14_000
MAX_ASPECT_RATIO = 20

# Renditions: VK keeps uploaded photos up to 2560×2048 ("w" in
# https://dev.vk.com/en/reference/objects/photo-sizes) and documents no preferred shape for a
# wall post; 1920×1080 (16:9) and 1080×1080 are kept at full size and sum well under
# MAX_IMAGE_SIDES_SUM.
IMAGE_PRESETS = (
    ImagePreset("vk-landscape", "VK 16:9", 1920, 1080, MAX_IMAGE_BYTES),
    ImagePreset("vk-square", "VK 1:1", 1080, 1080, MAX_IMAGE_BYTES),
)

# Text: wall.post's `message` is documented with no limit and no unit
# (https://dev.vk.com/method/wall.post; the schema has "type": "string" and nothing more).
# The 16,384 characters often quoted has no VK source, no VK help page and no widely used
# SDK constant behind it (searched dev.vk.com, vk.com/dev, VKCOM repositories, vk-io,
# vk_api, vknet); we do not invent it. The only length VK documents for a text sent through
# the API is messages.send's `message`: "Max. length = 9000"
# (https://dev.vk.com/en/method/messages.send). We use that as the safe reading: a post
# within it is never refused for length, at worst a longer post is held back here.
# Unit: code points, as recorded for VK in orkesteri/lib/text/simple.py.
MAX_TEXT = 9000
TEXT_RULES = TextRules(counter="simple", limit=MAX_TEXT, unit=Unit.CODE_POINTS)

# wall.post `guid`: the schema types it as a string; vk-io's generated docs (from the same
# schema) say "Unique identifier to avoid duplication the same post". Neither documents a
# length or how long VK remembers it, so we send a short hex digest of the Delivery key.
GUID_LENGTH = 32

# How long to wait, per error code (https://dev.vk.com/ru/reference/errors; schema errors.json):
#  6 "Too many requests per second": a user key may make 3 requests a second
#    (https://vk.com/dev/api_requests, collected in SevereCloud/vk-limits), so one second.
#  9 "Flood control": too many similar actions; VK gives no duration, and retrying soon
#    repeats the flood and can bring a captcha, so a quarter of an hour.
# 29 "Rate limit reached": a method's daily quota (https://vk.com/dev/data_limits); VK does
#    not say when it resets, so try again in an hour.
RETRY_AFTER_S = {6: 1.0, 9: 900.0, 29: 3600.0}

# https://dev.vk.com/ru/api/access-token/implicit-flow-user
AUTHORIZE_URL = (
    "https://oauth.vk.com/authorize?client_id=APP_ID&display=page"
    "&redirect_uri=https://oauth.vk.com/blank.html&scope=wall,photos,offline"
    f"&response_type=token&v={API_VERSION}"
)

# VK refuses a 51st wall post in a day (error 214, "you can only add 50 posts a day").
PUBLISH_RATE = Rate(50, 24 * 3600)

# Analytics. wall.getById takes a comma-separated list of "<owner_id>_<post_id>"; neither
# dev.vk.com/method/wall.getById nor the schema (wall/methods.json) gives a maximum, so we
# send at most 100 a call, the cap VK documents for its other list reads (wall.get `count`).
GET_BY_ID_BATCH = 100
# wall.get: "count … Number of posts to return (maximum 100)", `offset` pages on; filter
# "owner" keeps the community's own posts (https://dev.vk.com/method/wall.get, schema
# wall/methods.json).
WALL_GET_MAX = 100
# Reach: stats.getPostReach (VKCOM/vk-api-schema, stats/methods.json for 5.199) is callable with
# a *user* key only, needs the key's `stats` right (RIGHT_STATS), takes `owner_id` (the
# community, negative) and `post_ids` with "maxItems": 30, and answers a list of
# stats_wallpost_stat objects (stats/objects.json): post_id, reach_total, reach_subscribers,
# reach_viral, reach_ads, links, to_group, join_group, report, hide, unsubscribe.
POST_REACH_BATCH = 30
# The answers that mean "this key may not read the statistics" (errors.json): 7 "Permission
# to perform this action is denied" (no stats right), 15 "Access denied" and 203 "Access to
# group denied" (the account does not administer the community), 27 "Group authorization
# failed" and 28 "Application authorization failed" (the method is unavailable for a
# community or service key), and 210 "Access to wall's post denied", the one error
# stats/methods.json lists for the method. Reach is then left out; the other figures stay.
STATS_DENIED_CODES = frozenset({7, 15, 27, 28, 203, 210})
# A user key may make 3 requests a second (sources at RETRY_AFTER_S). A collection run makes
# several reads in a row (members, wall count, wall.getById, one stats.getPostReach per 30
# posts), so it waits between them instead of drawing error 6 and starting over.
READS_PER_SECOND = 3
# Attachment types of a wall post that are its images and videos; a "link" attachment is its
# external link (https://dev.vk.com/reference/objects/attachments-wall).
MEDIA_ATTACHMENTS = frozenset({"photo", "posted_photo", "video"})
VIDEO_ATTACHMENTS = frozenset({"video"})
