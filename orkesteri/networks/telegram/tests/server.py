"""A local, stateful Telegram Bot API, written from https://core.telegram.org/bots/api.

Requests are `POST /bot<token>/<method>` with form, JSON or multipart parameters; answers are
{"ok": true, "result": …} or {"ok": false, "error_code", "description", "parameters"} with
the HTTP status equal to error_code ("Making requests"). Method names are case-insensitive.

State lives in `BotApiState` (on `server.state`): tokens, chats with the bot's membership,
messages sent, files uploaded, every call received. `inject` makes the next call of a method
answer with an error, a malformed body, or late (after doing its work, so a timeout happens
after the post exists, as it can on the real API).
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from orkesteri.lib.text.telegram import TelegramHtmlError, extract_entities, parse_html
from orkesteri.lib.text.units import utf16_length
from orkesteri.networks.testing import running_server

BOT_ID = 7000001
BOT_USERNAME = "orkesteri_test_bot"
TOKEN = f"{BOT_ID}:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
REVOKED_TOKEN = f"{BOT_ID}:AAGoldTOKENthatWASrevokedBYbotfather"

PUBLIC_CHANNEL = -1001000000001  # @orkesteri_news: the bot is an administrator who may post
NO_RIGHTS_CHANNEL = -1001000000002  # @not_our_news: an administrator without "Post messages"
PRIVATE_GROUP = -1001000000003  # a supergroup without a username; the bot is a member
KICKED_CHANNEL = -1001000000004  # @kicked_news: the bot was removed
OLD_GROUP = -400000005  # a basic group that became a supergroup
NEW_SUPERGROUP = -1001000000005
PRIVATE_CHAT = 4242  # a person talking to the bot

TEXT_LIMIT = 4096  # https://core.telegram.org/bots/api#sendmessage
CAPTION_LIMIT = 1024  # https://core.telegram.org/bots/api#sendphoto

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"


class ApiFailure(Exception):
    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


@dataclass
class Chat:
    id: int
    type: str
    title: str
    username: str = ""
    bot_status: str = "administrator"  # creator, administrator, member, restricted, left, kicked
    can_post: bool = True  # channels: the administrator right can_post_messages
    members_can_send: bool = True  # groups: the default permission can_send_messages
    member_count: int = 0
    migrated_to: int | None = None
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_message_id: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def short(self) -> dict[str, Any]:
        """A `Chat` object (https://core.telegram.org/bots/api#chat)."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.title
        else:
            data["title"] = self.title
        if self.username:
            data["username"] = self.username
        return data

    def full(self) -> dict[str, Any]:
        """A `ChatFullInfo` object (https://core.telegram.org/bots/api#chatfullinfo)."""
        data = {
            **self.short(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }
        if self.type in ("group", "supergroup"):
            data["permissions"] = {
                "can_send_messages": self.members_can_send,
                "can_send_photos": self.members_can_send,
            }
        return data


@dataclass
class Injection:
    status: int = 200
    body: bytes | None = None  # None: do the work and answer normally
    delay: float = 0.0


def _bot_user() -> dict[str, Any]:
    return {"id": BOT_ID, "is_bot": True, "first_name": "Orkesteri", "username": BOT_USERNAME}


def _default_chats() -> dict[int, Chat]:
    chats = [
        Chat(PUBLIC_CHANNEL, "channel", "Orkesteri News", "orkesteri_news", member_count=1234),
        Chat(NO_RIGHTS_CHANNEL, "channel", "Not Our News", "not_our_news", can_post=False),
        Chat(PRIVATE_GROUP, "supergroup", "Team Room", bot_status="member", member_count=7),
        Chat(KICKED_CHANNEL, "channel", "Kicked News", "kicked_news", bot_status="kicked"),
        Chat(OLD_GROUP, "group", "Old Group", migrated_to=NEW_SUPERGROUP),
        Chat(PRIVATE_CHAT, "private", "Alice", "alice_person", bot_status="member"),
    ]
    return {chat.id: chat for chat in chats}


@dataclass
class BotApiState:
    url: str = ""
    tokens: dict[str, bool] = field(default_factory=lambda: {TOKEN: True, REVOKED_TOKEN: False})
    chats: dict[int, Chat] = field(default_factory=_default_chats)
    files: dict[str, bytes] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    injections: dict[str, list[Injection]] = field(default_factory=dict)
    file_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # --- for tests ---

    def inject(
        self,
        method: str,
        status: int = 200,
        description: str = "",
        raw: bytes | None = None,
        delay: float = 0.0,
        **parameters: Any,
    ) -> None:
        """The next call of `method` ("*" for any) answers with this error, body or delay."""
        body = raw
        if body is None and status != 200:
            error: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
            if parameters:
                error["parameters"] = parameters
            body = json.dumps(error).encode()
        self.injections.setdefault(method.lower(), []).append(Injection(status, body, delay))

    def methods(self) -> list[str]:
        return [method for method, _params in self.calls]

    def posts(self, chat_id: int = PUBLIC_CHANNEL) -> list[dict[str, Any]]:
        return list(self.chats[chat_id].messages.values())

    # --- the API ---

    def next_injection(self, method: str) -> Injection | None:
        for key in (method.lower(), "*"):
            queue = self.injections.get(key)
            if queue:
                return queue.pop(0)
        return None

    def check_token(self, token: str) -> None:
        if token not in self.tokens:
            if re.fullmatch(r"[0-9]+:[A-Za-z0-9_-]+", token):
                raise ApiFailure(401, "Unauthorized")
            raise ApiFailure(404, "Not Found")
        if not self.tokens[token]:
            raise ApiFailure(401, "Unauthorized")

    def chat(self, reference: Any) -> Chat:
        text = str(reference or "")
        if text.startswith("@"):
            found = [c for c in self.chats.values() if c.username.lower() == text[1:].lower()]
        else:
            found = [c for c in self.chats.values() if str(c.id) == text]
        if not found:
            raise ApiFailure(400, "Bad Request: chat not found")
        chat = found[0]
        if chat.migrated_to is not None:
            raise ApiFailure(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=chat.migrated_to,
            )
        if chat.bot_status == "kicked":
            raise ApiFailure(403, f"Forbidden: bot was kicked from the {chat.type} chat")
        return chat

    def call(self, method: str, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        handler = getattr(self, f"api_{method.lower()}", None)
        if handler is None:
            raise ApiFailure(404, "Not Found")
        return handler(params, files)

    def api_getme(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return {**_bot_user(), "can_join_groups": True, "can_read_all_group_messages": False}

    def api_getchat(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self.chat(params.get("chat_id"))
        if chat.type != "channel" and chat.bot_status == "left" and not chat.username:
            raise ApiFailure(400, "Bad Request: chat not found")
        return chat.full()

    def api_getchatmember(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self.chat(params.get("chat_id"))
        if _int(params.get("user_id")) != BOT_ID:
            raise ApiFailure(400, "Bad Request: user not found")
        return _member(chat)

    def api_getchatmembercount(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        return self.chat(params.get("chat_id")).member_count

    def api_sendmessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self.writable_chat(params)
        text, entities = _parse_text(params.get("text", ""), params.get("parse_mode"))
        if not text:
            raise ApiFailure(400, "Bad Request: message text is empty")
        if utf16_length(text) > TEXT_LIMIT:
            raise ApiFailure(400, "Bad Request: message is too long")
        message = self.new_message(chat, params, text=text, entities=entities)
        return _public(message)

    def api_sendphoto(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self.writable_chat(params)
        photo = self.photo(params.get("photo"), files)
        message = self.new_message(chat, params, photo=photo, **self.caption(params))
        return _public(message)

    def api_sendmediagroup(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self.writable_chat(params)
        media = _json(params.get("media")) or []
        if not 2 <= len(media) <= 10:
            raise ApiFailure(400, "Bad Request: wrong number of messages to send as an album")
        group_id = str(next(self.file_ids))
        sent = []
        for item in media:
            if item.get("type") != "photo":
                raise ApiFailure(400, "Bad Request: unsupported media type")
            photo = self.photo(item.get("media"), files)
            caption = self.caption(item)
            sent.append(
                self.new_message(chat, params, photo=photo, media_group_id=group_id, **caption)
            )
        return [_public(message) for message in sent]

    def api_deletemessage(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self.writable_chat(params)
        if chat.messages.pop(_int(params.get("message_id")), None) is None:
            raise ApiFailure(400, "Bad Request: message to delete not found")
        return True

    def api_deletemessages(self, params: dict[str, Any], files: dict[str, bytes]) -> Any:
        chat = self.writable_chat(params)
        ids = _json(params.get("message_ids")) or []
        if not 1 <= len(ids) <= 100:
            raise ApiFailure(400, "Bad Request: message identifiers are not specified")
        for message_id in ids:
            chat.messages.pop(int(message_id), None)  # missing ones are skipped
        return True

    # --- helpers ---

    def writable_chat(self, params: dict[str, Any]) -> Chat:
        """The chat, if the bot may post there; the Bot API's refusals otherwise."""
        chat = self.chat(params.get("chat_id"))
        if chat.bot_status == "left":
            raise ApiFailure(403, f"Forbidden: bot is not a member of the {chat.type} chat")
        if chat.type == "channel" and not (chat.bot_status == "creator" or chat.can_post):
            raise ApiFailure(400, "Bad Request: need administrator rights in the channel chat")
        if chat.bot_status in ("member", "restricted") and not chat.members_can_send:
            raise ApiFailure(
                400, "Bad Request: not enough rights to send text messages to the chat"
            )
        return chat

    def photo(self, reference: Any, files: dict[str, bytes]) -> list[dict[str, Any]]:
        text = str(reference or "")
        if text.startswith("attach://"):
            data = files.get(text.removeprefix("attach://"))
        elif "photo" in files and not text:
            data = files["photo"]
        else:
            data = self.files.get(text)
            if data is None:
                raise ApiFailure(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if not data:
            raise ApiFailure(400, "Bad Request: there is no photo in the request")
        if not data.startswith((_PNG, _JPEG)):
            raise ApiFailure(400, "Bad Request: IMAGE_PROCESS_FAILED")
        file_id = f"photo-{next(self.file_ids)}"
        self.files[file_id] = data
        return [
            {
                "file_id": file_id,
                "file_unique_id": f"u{file_id}",
                "width": 1,
                "height": 1,
                "file_size": len(data),
            }
        ]

    def caption(self, params: dict[str, Any]) -> dict[str, Any]:
        caption, entities = _parse_text(params.get("caption") or "", params.get("parse_mode"))
        if utf16_length(caption) > CAPTION_LIMIT:
            raise ApiFailure(400, "Bad Request: message caption is too long")
        return {"caption": caption, "caption_entities": entities} if caption else {}

    def new_message(self, chat: Chat, params: dict[str, Any], **content: Any) -> dict[str, Any]:
        reply = _json(params.get("reply_parameters"))
        if reply is not None and int(reply.get("message_id", 0)) not in chat.messages:
            raise ApiFailure(400, "Bad Request: message to be replied not found")
        message_id = next(chat.next_message_id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat.short(),
            **content,
            # Not part of the Message object; kept so tests can check what was asked for.
            "_disable_notification": params.get("disable_notification") in (True, "true"),
            "_reply_to": int(reply["message_id"]) if reply else None,
            "_parse_mode": params.get("parse_mode"),
        }
        if chat.type == "channel":
            message["sender_chat"] = chat.short()
        else:
            message["from"] = _bot_user()
        chat.messages[message_id] = message
        return message


# The rights every ChatMemberAdministrator carries (https://core.telegram.org/bots/api#chatmemberadministrator).
_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


def _member(chat: Chat) -> dict[str, Any]:
    """The bot's `ChatMember` (https://core.telegram.org/bots/api#chatmember)."""
    user = _bot_user()
    if chat.bot_status == "administrator":
        rights = dict.fromkeys(_ADMIN_RIGHTS, True)
        member = {"status": "administrator", "user": user, "can_be_edited": False}
        member |= {"is_anonymous": False, **rights}
        if chat.type == "channel":
            member |= {"can_post_messages": chat.can_post, "can_edit_messages": chat.can_post}
        return member
    return {"status": chat.bot_status, "user": user}


def _public(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if not key.startswith("_")}


def _parse_text(text: str, parse_mode: Any) -> tuple[str, list[dict[str, Any]]]:
    """Text and entities the way Telegram stores them: markup parsed, links found."""
    entities: list[dict[str, Any]] = []
    if str(parse_mode or "").lower() == "html":
        try:
            text, parsed = parse_html(text)
        except TelegramHtmlError as exc:
            raise ApiFailure(400, f"Bad Request: can't parse entities: {exc}") from exc
        entities += [{"type": e.type, "offset": e.offset, "length": e.length} for e in parsed]
    elif parse_mode:
        raise ApiFailure(400, f"Bad Request: unsupported parse_mode {parse_mode}")
    text = text.strip()
    entities += [
        {"type": e.type, "offset": e.offset, "length": e.length} for e in extract_entities(text)
    ]
    return text, sorted(entities, key=lambda e: e["offset"])


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiFailure(400, "Bad Request: can't parse JSON") from exc
    return value


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise ApiFailure(400, "Bad Request: invalid integer") from exc


# --- HTTP --------------------------------------------------------------------------------


class BotApiHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        state: BotApiState = self.server.state  # type: ignore[attr-defined]
        match = re.fullmatch(r"/bot([^/]+)/([A-Za-z]+)", urlsplit(self.path).path)
        if match is None:
            self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        token, method = match.groups()
        params, files = self._params()
        state.calls.append((method, params))
        injection = state.next_injection(method)
        if injection is not None and injection.body is not None:
            time.sleep(injection.delay)
            self._send(injection.status, injection.body)
            return
        try:
            state.check_token(token)
            answer: dict[str, Any] = {"ok": True, "result": state.call(method, params, files)}
            status = 200
        except ApiFailure as failure:
            status = failure.code
            answer = {"ok": False, "error_code": failure.code, "description": failure.description}
            if failure.parameters:
                answer["parameters"] = failure.parameters
        if injection is not None:
            time.sleep(injection.delay)  # the work is done; the answer comes late
        self._answer(status, answer)

    do_GET = do_POST

    def _params(self) -> tuple[dict[str, Any], dict[str, bytes]]:
        query = dict(parse_qsl(urlsplit(self.path).query))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            return {**query, **json.loads(body or b"{}")}, {}
        if content_type.startswith("multipart/form-data"):
            fields, files = _multipart(content_type, body)
            return {**query, **fields}, files
        return {**query, **dict(parse_qsl(body.decode()))}, {}

    def _answer(self, status: int, answer: dict[str, Any]) -> None:
        self._send(status, json.dumps(answer).encode())

    def _send(self, status: int, body: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (timeout tests)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = str(part.get_param("name", header="content-disposition"))
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        if part.get_filename():
            files[name] = payload
        else:
            fields[name] = payload.decode()
    return fields, files


@contextmanager
def bot_api() -> Iterator[BotApiState]:
    """A running Bot API; `state.url` is what conf.API_URL should become."""
    with running_server(BotApiHandler) as server:
        state = BotApiState(url=f"{server.url}/bot")  # type: ignore[attr-defined]
        server.state = state  # type: ignore[attr-defined]
        yield state
