"""Telegram Bot API: endpoints, text rules and photo limits, each from the Bot API reference."""

from orkesteri.lib.text import TextRules
from orkesteri.networks.base import ImagePreset, Rate

# Requests go to https://api.telegram.org/bot<token>/METHOD_NAME
# (https://core.telegram.org/bots/api#making-requests). Tests point this at a local server.
API_URL = "https://api.telegram.org/bot"

# Public chats have a t.me link; a message of a public chat is t.me/<username>/<message_id>
# (https://core.telegram.org/api/links#message-links).
PUBLIC_URL = "https://t.me"

# sendMessage `text`: 1-4096 characters after entities parsing
# (https://core.telegram.org/bots/api#sendmessage). Our text is plain and the adapter escapes
# it for HTML parse mode, so what we measure is what Telegram counts (html=False).
TEXT_RULES = TextRules(counter="telegram", limit=4096)

# sendPhoto / InputMediaPhoto `caption`: 0-1024 characters after entities parsing
# (https://core.telegram.org/bots/api#sendphoto, https://core.telegram.org/bots/api#inputmediaphoto).
CAPTION_RULES = TextRules(counter="telegram", limit=1024)

# sendMediaGroup `media`: "must include 2-10 items"
# (https://core.telegram.org/bots/api#sendmediagroup); one photo goes through sendPhoto.
MAX_IMAGES = 10

# sendPhoto `photo`: "The photo must be at most 10 MB in size. The photo's width and height
# must not exceed 10000 in total. Width and height ratio must be at most 20."
# (https://core.telegram.org/bots/api#sendphoto). "MB" is not defined there: 10,000,000 bytes
# is the safe reading (python-telegram-bot's FileSizeLimit.PHOTOSIZE_UPLOAD says the same).
MAX_PHOTO_BYTES = 10_000_000
MAX_PHOTO_SIDES = 10_000  # width + height
MAX_PHOTO_RATIO = 20

# Renditions: Telegram keeps a photo at most 1280 px on its long side in the "y" size, and
# 2560 px in "w" (https://core.telegram.org/api/files#image-thumbnail-types); clients show
# the 1280 px one in chats. So 1280×720 (16:9) and 1280×1280, both within MAX_PHOTO_SIDES.
IMAGE_PRESETS = (
    ImagePreset("telegram-landscape", "Telegram 16:9", 1280, 720, MAX_PHOTO_BYTES),
    ImagePreset("telegram-square", "Telegram 1:1", 1280, 1280, MAX_PHOTO_BYTES),
)

# The Bot API does not list the image formats sendPhoto accepts: JPEG and PNG are the safe
# reading. Animated GIFs need sendAnimation (https://core.telegram.org/bots/api#sendanimation).
IMAGE_TYPES = ("image/jpeg", "image/png")

# Reply chains: Telegram sets no limit on how many posts reply to each other
# (https://core.telegram.org/bots/api#replyparameters); this cap is ours, to keep one
# publication a reasonable number of requests.
MAX_THREAD = 25

# deleteMessages `message_ids`: 1-100 identifiers (https://core.telegram.org/bots/api#deletemessages).
MAX_DELETE_IDS = 100

# Bot tokens look like 123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11
# (https://core.telegram.org/bots/api#authorizing-your-bot): the bot's numeric id, a colon,
# then letters, digits, "_" and "-". The length of the secret part is not documented.
TOKEN_PATTERN = r"[0-9]{1,20}:[A-Za-z0-9_-]{20,100}"

# Public usernames: 5-32 characters of a-z, 0-9 and underscores, starting with a letter
# (https://telegram.org/faq#q-what-can-i-use-as-my-username).
USERNAME_PATTERN = r"[A-Za-z][A-Za-z0-9_]{4,31}"

# Telegram's bot FAQ: no more than 20 messages a minute to one group or channel.
PUBLISH_RATE = Rate(20, 60)
