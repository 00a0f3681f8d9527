"""Which user agents are not people: crawlers, link-preview fetchers, HTTP libraries.

A network fetches a post's link to draw its link card (and often again per server, as
Mastodon's instances do), so without this filter a short link would count clicks before
anyone clicked. Bots are still redirected; they are counted apart (LinkDay.bot_clicks).
"""

from __future__ import annotations

import re

# Case-insensitive parts of user agents. "bot" alone covers Googlebot, bingbot, Twitterbot,
# TelegramBot, Slackbot, Discordbot, LinkedInBot, Applebot, GPTBot… (not the CUBOT phones).
BOT_PATTERN = re.compile(
    r"(?<!cu)bot|spider|crawl|slurp|archiver|facebookexternalhit|facebookcatalog|meta-external"
    r"|mastodon/|pleroma|akkoma|misskey|friendica|cardyb|vkshare|whatsapp|skypeuripreview"
    r"|embedly|iframely|preview|validator|lighthouse|headless|pingdom|uptime|monitor"
    r"|curl/|wget/|python-|httpx|aiohttp|go-http-client|okhttp|java/|libwww|http\.rb"
    r"|node-fetch|axios/|scrapy|feedfetcher|feed fetcher",
    re.IGNORECASE,
)


def is_bot(user_agent: str) -> bool:
    """True for a crawler, a link-preview fetcher, a script, or no user agent at all."""
    return not user_agent.strip() or BOT_PATTERN.search(user_agent) is not None
