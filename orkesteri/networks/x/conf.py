"""X (Twitter): text rules now; the adapter (tweepy) comes with the "more networks" roadmap step."""

from orkesteri.lib.text import TextRules

# twitter-text v3: weighted length 280, URLs count 23, emoji 2 (https://github.com/twitter/twitter-text).
TEXT_RULES = TextRules(counter="twitter", limit=280, twitter_config="v3")
