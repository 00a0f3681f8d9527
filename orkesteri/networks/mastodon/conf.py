"""Mastodon: what the API documents, as data. Each value names the page it comes from.

Every instance sets its own limits; these are the stock server's, used until `connect` has
read the instance's own from GET /api/v2/instance (see MastodonAdapter.limits).
"""

from orkesteri.lib.text import TextRules
from orkesteri.networks.base import ImagePreset, Rate

DOCS = "https://docs.joinmastodon.org"

# Stock limits, https://docs.joinmastodon.org/entities/Instance/#statuses (example values of a
# stock server: max_characters 500, characters_reserved_per_url 23, max_media_attachments 4).
MAX_CHARACTERS = 500
CHARACTERS_RESERVED_PER_URL = 23
MAX_MEDIA_ATTACHMENTS = 4
TEXT_RULES = TextRules(
    counter="mastodon", limit=MAX_CHARACTERS, url_length=CHARACTERS_RESERVED_PER_URL
)

# https://docs.joinmastodon.org/entities/Instance/#media_attachments: the example's
# image_size_limit is 10485760 bytes (newer servers allow more and say so in their instance
# answer); image types are the image/* entries of its supported_mime_types.
IMAGE_SIZE_LIMIT = 10_485_760
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")

# Renditions: Mastodon documents no preferred size; the server only caps the pixel count
# (configuration.media_attachments.image_matrix_limit, 16,777,216 in the example of
# https://docs.joinmastodon.org/entities/Instance/#image_matrix_limit). 1920×1080 (16:9,
# the shape of the web UI's media preview) stays well under it and under IMAGE_SIZE_LIMIT.
IMAGE_PRESETS = (ImagePreset("mastodon-landscape", "Mastodon 16:9", 1920, 1080, IMAGE_SIZE_LIMIT),)
# configuration.media_attachments.description_limit (added in 4.4.0,
# https://docs.joinmastodon.org/entities/Instance/#description_limit); older servers do not
# say, and enforce MediaAttachment::MAX_DESCRIPTION_LENGTH = 1_500 (app/models/media_attachment.rb).
DESCRIPTION_LIMIT = 1500

# Mastodon documents no limit on the length of a reply chain; this is ours, to keep a
# thread one screen of the composer.
MAX_THREAD = 25

# https://docs.joinmastodon.org/methods/statuses/#create, `visibility`.
VISIBILITIES = ("public", "unlisted", "private", "direct")

# The narrowest scopes that cover what the adapter calls
# (https://docs.joinmastodon.org/api/oauth-scopes/#granular, granular scopes since 2.4.3):
# verify_credentials → read:accounts; GET /api/v1/statuses/:id of a non-public status →
# read:statuses; POST/DELETE /api/v1/statuses → write:statuses; POST /api/v2/media and
# GET /api/v1/media/:id → write:media. `profile` would be narrower than read:accounts but only
# exists since 4.3.
SCOPES = ("read:accounts", "read:statuses", "write:statuses", "write:media")
APP_NAME = "Orkesteri"

# https://docs.joinmastodon.org/methods/oauth/#authorize
AUTHORIZE_PATH = "/oauth/authorize"

# POST /api/v2/media answers 202 while the full-size file is still processing; GET
# /api/v1/media/:id then answers 206 until `url` is set
# (https://docs.joinmastodon.org/methods/media/#v2, #get). Since 4.0 images are processed
# synchronously, so waiting is rare: poll after these pauses (seconds), then give up and let
# the publisher retry later.
MEDIA_POLL_DELAYS = (0.5, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0)

# https://docs.joinmastodon.org/methods/statuses/#create, 422 while an attachment is not ready
# (the server's message, app/services/post_status_service.rb).
MEDIA_NOT_READY = "have not finished processing"

# https://docs.joinmastodon.org/entities/Error/#403: Doorkeeper's answer when the token lacks
# a scope (app/controllers/api/base_controller.rb, doorkeeper_forbidden_render_options).
OUTSIDE_SCOPES = "outside the authorized scopes"
# The 403 errors that mean the account itself cannot act (disabled, unconfirmed, unapproved).
ACCOUNT_BLOCKED = ("login is currently disabled", "missing a confirmed", "pending approval")

# Mastodon.py's version switch: with version_check_mode="none" it asks GET /api/v1/instance
# before every upload to choose between /api/v1/media and /api/v2/media. Declaring a version
# skips that request; "created" mode then only refuses endpoints newer than it, and every
# endpoint we call is older than 4.0.0 (GET /api/v2/instance was added in 4.0.0).
SDK_VERSION = "4.0.0"
SDK_VERSION_CHECK = "created"

# Mastodon's default: 300 statuses per account per 3 hours (docs.joinmastodon.org,
# "Rate limits"). A server may set its own; it then answers 429 with a reset time.
PUBLISH_RATE = Rate(300, 3 * 3600)

# Analytics. GET /api/v1/statuses?id[]= (added in 4.3.0,
# https://docs.joinmastodon.org/methods/statuses/#index) refuses more than
# Api::BaseController::DEFAULT_STATUSES_LIMIT = 20 ids (check_statuses_limit in
# app/controllers/api/v1/statuses_controller.rb); older servers are asked one status at a time.
STATUSES_BATCH = 20
STATUSES_BATCH_SINCE = (4, 3, 0)
# GET /api/v1/accounts/:id/statuses: "limit … Defaults to 20 statuses. Max 40 statuses."
# (https://docs.joinmastodon.org/methods/accounts/#statuses).
ACCOUNT_STATUSES_PAGE = 40
