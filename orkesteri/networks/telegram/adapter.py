"""Telegram: a bot posts to a channel or group through the Bot API.

python-telegram-bot is async-only while adapters are called synchronously (views, huey
workers), so every call runs its coroutine on a private event loop (`_run`). The library's
HTTP goes through `_GuardedRequest`, a `telegram.request.BaseRequest` that sends with
`orkesteri.lib.http` (timeouts, private-address guard) and turns the Bot API's error answers
({"ok": false, "error_code", "description", "parameters"},
https://core.telegram.org/bots/api#making-requests) into `_BotApiError`, which `_failure`
maps onto our error types.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from telegram import (
    Bot,
    ChatFullInfo,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    InputFile,
    InputMediaPhoto,
    Message,
    ReplyParameters,
    User,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.request import BaseRequest, RequestData

from orkesteri.lib import http
from orkesteri.lib.text.telegram import html_escape
from orkesteri.networks.base import (
    Adapter,
    AdapterError,
    AuthExpired,
    Connection,
    Counts,
    Draft,
    Feature,
    Image,
    Limits,
    RateLimited,
    Receipt,
    Rejected,
    generic_problems,
)
from orkesteri.networks.telegram import conf
from orkesteri.networks.telegram.forms import ConnectForm

T = TypeVar("T")

_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}


# --- errors ----------------------------------------------------------------------------


class _BotApiError(TelegramError):
    """A non-2xx answer; `description` is empty when the body was not the documented JSON."""

    def __init__(self, code: int, description: str, parameters: Mapping[str, Any]) -> None:
        super().__init__(description or f"HTTP {code}")
        self.code = code
        self.description = description
        retry_after = parameters.get("retry_after")
        self.retry_after = float(retry_after) if isinstance(retry_after, int | float) else None
        self.migrate_to_chat_id = parameters.get("migrate_to_chat_id")


class _NotSent(NetworkError):
    """The request never reached Telegram (no connection, connect timeout)."""


class _MaybeSent(NetworkError):
    """The connection failed after the request was written: Telegram may have acted on it."""


class _Blocked(NetworkError):
    """lib/http refused the address."""


def _bot_api_error(response: httpx.Response) -> _BotApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return _BotApiError(response.status_code, "", {})
    parameters = body.get("parameters")
    description = body.get("description")
    code = body.get("error_code")
    return _BotApiError(
        code if isinstance(code, int) else response.status_code,
        description if isinstance(description, str) else "",
        parameters if isinstance(parameters, dict) else {},
    )


def _reconnect_bot(bot_hint: str) -> AuthExpired:
    return AuthExpired(
        _(
            "The bot can no longer post to this chat (%(reason)s). Add the bot back as an"
            " administrator with the right to post messages, then reconnect the channel."
        )
        % {"reason": bot_hint}
    )


def _bad_image(description: str) -> Rejected:
    return Rejected(
        _(
            "Telegram could not use an image (%(reason)s). Use a JPEG or PNG of at most 10 MB"
            " whose width plus height is at most 10000 pixels."
        )
        % {"reason": description}
    )


# (words in the Bot API's description, what to tell the user). The Bot API documents the
# error format but not the list of descriptions; these are the ones it is known to send.
_DESCRIPTIONS: tuple[tuple[tuple[str, ...], Callable[[str], AdapterError]], ...] = (
    (
        (
            "bot was kicked",
            "bot is not a member",
            "not enough rights",
            "need administrator rights",
            "have no rights to send",
            "chat_write_forbidden",
            "bot was blocked",
        ),
        _reconnect_bot,
    ),
    (
        ("chat not found",),
        lambda d: Rejected(
            _(
                "Telegram cannot find this chat (%(reason)s): it was deleted, made private or the"
                " bot was removed. Check the chat, add the bot again and reconnect."
            )
            % {"reason": d}
        ),
    ),
    (
        ("message is too long", "text is too long"),
        lambda d: Rejected(
            _("The text is too long for Telegram: at most 4096 characters. Shorten it.")
        ),
    ),
    (
        ("caption is too long",),
        lambda d: Rejected(
            _(
                "The text is too long to go with images on Telegram: at most 1024 characters."
                " Shorten it or post it without images."
            )
        ),
    ),
    (
        (
            "wrong file",
            "image_process_failed",
            "photo_invalid",
            "photo_ext_invalid",
            "photo_save_file_invalid",
            "there is no photo",
            "file must be non-empty",
            "wrong type of the web page content",
            "failed to get http url content",
        ),
        _bad_image,
    ),
    (
        ("message to be replied not found", "replied message not found"),
        lambda d: Rejected(
            _(
                "The Telegram post this one replies to no longer exists. Publish it as a new"
                " post instead."
            )
        ),
    ),
    (
        ("message text is empty", "text must be non-empty"),
        lambda d: Rejected(_("Telegram refused an empty post. Write some text or add an image.")),
    ),
    (
        ("message can't be deleted",),
        lambda d: Rejected(
            _(
                "Telegram lets bots delete only messages less than 48 hours old. Delete it in"
                " the Telegram app instead."
            )
        ),
    ),
    (
        ("can't parse entities",),
        lambda d: Rejected(
            _("Telegram could not read the post's formatting (%(reason)s).") % {"reason": d}
        ),
    ),
)


def _api_failure(error: _BotApiError) -> AdapterError:
    description = error.description
    if error.migrate_to_chat_id:
        return AdapterError(
            _(
                "This Telegram group was upgraded to a supergroup and has a new id. Reconnect"
                " the channel (use the group's new link or id %(chat_id)s)."
            )
            % {"chat_id": error.migrate_to_chat_id},
            permanent=True,
        )
    if error.code == 429 or error.retry_after is not None:
        return RateLimited(
            _("Telegram asks to slow down: try again in %(seconds)s seconds.")
            % {"seconds": int(error.retry_after or 0) or _("a few")},
            retry_after=error.retry_after,
        )
    if error.code in (401, 404):
        # 401 for a token Telegram no longer accepts, 404 for a malformed one: not in the
        # Bot API docs, but what python-telegram-bot's BaseRequest maps to InvalidToken too.
        return AuthExpired(
            _(
                "The bot token was revoked or is wrong. In Telegram, open @BotFather, send"
                " /mybots → your bot → API Token, and reconnect with the current token."
            )
        )
    lowered = description.lower()
    for words, make in _DESCRIPTIONS:
        if any(word in lowered for word in words):
            return make(description)
    if error.code == 403:
        return _reconnect_bot(description)
    if error.code == 400:
        return Rejected(
            _("Telegram refused the request: %(reason)s") % {"reason": description or "400"}
        )
    return AdapterError(
        _("Telegram is not answering properly (HTTP %(code)s). Orkesteri will try again later.")
        % {"code": error.code}
    )


def _failure(exc: Exception, sending: bool) -> AdapterError:
    """Our error for anything python-telegram-bot, httpx or the Bot API raised."""
    if isinstance(exc, _BotApiError):
        failure = _api_failure(exc)
        # No idempotency key: after a gateway error the message may have been delivered.
        failure.unknown_outcome = sending and exc.code in (502, 504)
        return failure
    if isinstance(exc, _Blocked):
        return AdapterError(
            _("Orkesteri may not connect to %(url)s: %(reason)s")
            % {"url": conf.API_URL, "reason": exc.message},
            permanent=True,
        )
    if isinstance(exc, _MaybeSent) and sending:
        return AdapterError(
            _(
                "The connection to Telegram broke after the post was sent; it may or may not"
                " have been published. Check the channel before publishing again."
            ),
            unknown_outcome=True,
        )
    if isinstance(exc, NetworkError):
        return AdapterError(
            _("Could not reach Telegram (%(reason)s). Orkesteri will try again later.")
            % {"reason": exc.message}
        )
    if isinstance(exc, InvalidToken):
        return _api_failure(_BotApiError(401, "", {}))
    return AdapterError(
        _("Telegram answered with something Orkesteri cannot read."),
        unknown_outcome=sending,
    )


# --- python-telegram-bot through lib/http ------------------------------------------------


class _GuardedRequest(BaseRequest):
    """PTB's HTTP layer on a `lib.http` client, with that client's timeouts."""

    def __init__(self, session: httpx.Client) -> None:
        self._session = session

    @property
    def read_timeout(self) -> float | None:
        return self._session.timeout.read

    async def initialize(self) -> None:
        pass  # the session is opened and closed by `_run_bot`

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        # PTB's per-call timeouts are ignored on purpose: lib/http's are the ones we want.
        try:
            response = self._send(url, method, request_data)
        except http.BlockedAddress as exc:
            raise _Blocked(str(exc)) from exc
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise _NotSent(type(exc).__name__) from exc
        except httpx.HTTPError as exc:
            raise _MaybeSent(type(exc).__name__) from exc
        if not 200 <= response.status_code < 300:
            raise _bot_api_error(response)
        return response.status_code, response.content

    def _send(self, url: str, method: str, request_data: RequestData | None) -> httpx.Response:
        if request_data is None:
            return self._session.request(method, url)
        if request_data.contains_files:
            return self._session.request(
                method,
                url,
                data=request_data.json_parameters,
                files=dict(request_data.multipart_data),
            )
        return self._session.request(method, url, data=request_data.json_parameters)


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run `coroutine` to the end on a private event loop, also when called from async code."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _run_bot(token: str, work: Callable[[Bot], Awaitable[T]], sending: bool = False) -> T:
    """`work(bot)` with a bot whose every request goes through lib/http; errors become ours."""
    try:
        with http.client() as session:
            request = _GuardedRequest(session)
            bot = Bot(token, base_url=conf.API_URL, request=request, get_updates_request=request)

            async def main() -> T:
                return await work(bot)

            return _run(main())
    except (TelegramError, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        # PTB wraps anything our request raises that is not a TelegramError into NetworkError;
        # the others come from a 2xx answer missing documented fields or of another shape.
        raise _failure(exc, sending) from exc


# --- connecting --------------------------------------------------------------------------


def _chat_ref(chat: str | int) -> str | int:
    """A numeric chat id as int, an @username as it is (what the Bot API takes as chat_id)."""
    text = str(chat)
    return int(text) if re.fullmatch(r"-?[0-9]+", text) else text


def _can_post(chat: ChatFullInfo, member: ChatMember) -> bool:
    if isinstance(member, ChatMemberOwner):
        return True
    if chat.type == ChatType.CHANNEL:
        # Channels: only administrators with can_post_messages may post
        # (https://core.telegram.org/bots/api#chatmemberadministrator).
        return isinstance(member, ChatMemberAdministrator) and bool(member.can_post_messages)
    if isinstance(member, ChatMemberAdministrator):
        return True
    if isinstance(member, ChatMemberRestricted):
        # https://core.telegram.org/bots/api#chatmemberrestricted
        return member.is_member and member.can_send_messages
    if isinstance(member, ChatMemberMember):
        # Members may do what the group's default permissions allow
        # (https://core.telegram.org/bots/api#chatfullinfo, `permissions`).
        permissions = chat.permissions
        return permissions is None or permissions.can_send_messages is not False
    return False


def _no_rights(chat: ChatFullInfo, me: User) -> Rejected:
    if chat.type == ChatType.CHANNEL:
        return Rejected(
            _(
                "Add @%(bot)s as an administrator of the channel with the 'Post messages'"
                " right, then try again."
            )
            % {"bot": me.username}
        )
    return Rejected(
        _(
            "Add @%(bot)s to the group as an administrator (or let members send messages),"
            " then try again."
        )
        % {"bot": me.username}
    )


async def _inspect(bot: Bot, token: str, chat: str | int) -> Connection:
    """getMe, getChat, getChatMember: the token works and the bot may post to the chat."""
    me = await bot.get_me()
    info = await bot.get_chat(chat)
    if info.type == ChatType.PRIVATE:
        raise Rejected(
            _(
                "This is a private conversation with a person. Give a channel or a group the"
                " bot is an administrator of."
            )
        )
    member = await bot.get_chat_member(info.id, me.id)
    if not _can_post(info, member):
        raise _no_rights(info, me)
    return _connection(token, info)


def _connection(token: str, chat: ChatFullInfo) -> Connection:
    title = chat.title or chat.username or str(chat.id)
    return Connection(
        account_id=str(chat.id),
        display_name=f"{title} (@{chat.username})" if chat.username else title,
        credentials={"bot_token": token},
        config={"chat_id": chat.id, "username": chat.username or "", "chat_type": str(chat.type)},
        url=f"{conf.PUBLIC_URL}/{chat.username}" if chat.username else "",
    )


# --- the adapter ---------------------------------------------------------------------------


class TelegramAdapter(Adapter):
    kind = "telegram"
    label = gettext_lazy("Telegram")
    features = frozenset(
        {
            Feature.PUBLISH,
            Feature.THREAD,
            Feature.DELETE,
            Feature.MEDIA,
            Feature.SILENT,
            Feature.METRICS,
        }
    )
    default_limits = Limits(
        text=conf.TEXT_RULES,
        caption=conf.CAPTION_RULES,
        max_images=conf.MAX_IMAGES,
        image_types=conf.IMAGE_TYPES,
        max_image_bytes=conf.MAX_PHOTO_BYTES,
        image_presets=conf.IMAGE_PRESETS,
        rate=conf.PUBLISH_RATE,
        max_thread=conf.MAX_THREAD,
    )
    ConnectForm = ConnectForm
    help_text = gettext_lazy(
        "In Telegram, open @BotFather, send /newbot and follow the steps; copy the token it"
        " gives you. Then add your bot to the channel or group as an administrator with the"
        " right to post messages, and enter the token and the channel's @name or link here."
    )
    # The Bot API has no idempotency key: sending twice posts twice.
    idempotent = False
    # A bot can read a chat's member count (getChatMemberCount) but neither a channel's
    # history nor a message's views: no Bot API method returns them
    # (https://core.telegram.org/bots/api#available-methods). Reaction counts only arrive
    # pushed, as message_reaction_count updates to an administrator bot
    # (https://core.telegram.org/bots/api#messagereactioncountupdated), which nothing here
    # receives. So fetch_samples gives the followers only, and recent_posts stays unsupported.
    post_metrics = frozenset[str]()

    @property
    def chat_id(self) -> int | str:
        return _chat_ref(self.config.get("chat_id", ""))

    def _call(self, work: Callable[[Bot], Awaitable[T]], sending: bool = False) -> T:
        return _run_bot(str(self.credentials.get("bot_token", "")), work, sending)

    # connecting

    @classmethod
    def connect(cls, data: Mapping[str, Any]) -> Connection:
        token = str(data["bot_token"])
        chat = _chat_ref(data["chat"])
        return _run_bot(token, lambda bot: _inspect(bot, token, chat))

    def verify(self) -> Connection:
        token = str(self.credentials.get("bot_token", ""))
        return self._call(lambda bot: _inspect(bot, token, self.chat_id))

    # publishing

    def problems(self, draft: Draft) -> list[str]:
        found = generic_problems(self, draft)
        for number, image in enumerate(draft.images, start=1):
            found += _photo_problems(number, image)
        if draft.reply_to is not None and self._reply_target(draft.reply_to) is None:
            found.append(_("This post replies to a post of another Telegram chat."))
        return found

    def publish(self, draft: Draft, key: str) -> Receipt:
        problems = self.problems(draft)
        if problems:
            raise Rejected(" ".join(problems))
        messages = self._call(lambda bot: self._send(bot, draft), sending=True)
        return self._receipt(messages)

    async def _send(self, bot: Bot, draft: Draft) -> Sequence[Message]:
        text = html_escape(draft.text)
        reply_to = self._reply_target(draft.reply_to) if draft.reply_to else None
        common: dict[str, Any] = {
            "chat_id": self.chat_id,
            "disable_notification": bool(draft.options.get("silent")),
            "reply_parameters": ReplyParameters(reply_to) if reply_to else None,
        }
        if not draft.images:
            return [await bot.send_message(text=text, parse_mode=ParseMode.HTML, **common)]
        if len(draft.images) == 1:
            photo = _photo(draft.images[0], 1, attach=False)
            caption = text or None
            return [
                await bot.send_photo(
                    photo=photo, caption=caption, parse_mode=ParseMode.HTML, **common
                )
            ]
        media = [_album_item(image, number, text) for number, image in enumerate(draft.images, 1)]
        return await bot.send_media_group(media=media, **common)

    def _reply_target(self, receipt: Receipt) -> int | None:
        """The message id to reply to, if `receipt` is a post of this channel's chat."""
        chat, _sep, message = receipt.remote_id.rpartition(":")
        if not re.fullmatch(r"[0-9]+", message) or chat != str(self.chat_id):
            return None
        return int(message)

    def _receipt(self, messages: Sequence[Message]) -> Receipt:
        if not messages:
            raise AdapterError(
                _(
                    "Telegram did not say which message it created. Check the channel before"
                    " publishing again."
                ),
                unknown_outcome=True,
            )
        first = messages[0].message_id
        username = self.config.get("username") or ""
        return Receipt(
            remote_id=f"{self.chat_id}:{first}",
            url=f"{conf.PUBLIC_URL}/{username}/{first}" if username else "",
            data={"chat_id": self.chat_id, "message_ids": [m.message_id for m in messages]},
        )

    def delete(self, remote_id: str, data: Mapping[str, Any] | None = None) -> None:
        """Delete the post; with its Receipt.data, every message of an album."""
        message_id = self._reply_target(Receipt(remote_id))
        if message_id is None:
            raise Rejected(_("This is not a post of this Telegram chat."))
        ids = [int(i) for i in (data or {}).get("message_ids") or [message_id]]
        self._call(lambda bot: self._delete(bot, ids))

    async def _delete(self, bot: Bot, ids: list[int]) -> bool:
        if len(ids) > 1:
            # deleteMessages skips messages that are already gone
            # (https://core.telegram.org/bots/api#deletemessages).
            return await bot.delete_messages(self.chat_id, ids[: conf.MAX_DELETE_IDS])
        try:
            return await bot.delete_message(self.chat_id, ids[0])
        except _BotApiError as exc:
            if "message to delete not found" in exc.description.lower():
                return True  # already deleted: deleting again changes nothing
            raise

    # reading back

    def account_counts(self) -> Counts:
        count = self._call(lambda bot: bot.get_chat_member_count(self.chat_id))
        if not isinstance(count, int) or isinstance(count, bool):
            return Counts({}, note=_("Telegram did not give a member count."))
        return Counts({"followers": count})


def _photo_problems(number: int, image: Image) -> list[str]:
    """sendPhoto: width + height at most 10000, ratio at most 20 (conf.py)."""
    found = []
    if image.width + image.height > conf.MAX_PHOTO_SIDES:
        found.append(
            _("Image %(n)s is %(w)s×%(h)s; Telegram takes photos whose width plus height is at"
              " most %(max)s pixels.")
            % {"n": number, "w": image.width, "h": image.height, "max": conf.MAX_PHOTO_SIDES}
        )  # fmt: skip
    short, long = sorted((image.width, image.height))
    if short > 0 and long / short > conf.MAX_PHOTO_RATIO:
        found.append(
            _("Image %(n)s is too narrow for Telegram: one side may be at most %(ratio)s times"
              " the other.")
            % {"n": number, "ratio": conf.MAX_PHOTO_RATIO}
        )  # fmt: skip
    return found


def _photo(image: Image, number: int, attach: bool) -> InputFile:
    extension = _EXTENSIONS.get(image.mime, "jpg")
    return InputFile(image.data, filename=f"photo{number}.{extension}", attach=attach)


def _album_item(image: Image, number: int, text: str) -> InputMediaPhoto:
    # The album's text is the first photo's caption: Telegram shows it under the album
    # (https://core.telegram.org/bots/api#sendmediagroup).
    if number == 1 and text:
        return InputMediaPhoto(_photo(image, number, attach=True), caption=text, parse_mode="HTML")
    return InputMediaPhoto(_photo(image, number, attach=True))
