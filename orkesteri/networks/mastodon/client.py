"""Mastodon.py, built safely, and its errors turned into the adapter contract's four.

`talking_to(instance_url, token)` yields a `Mastodon` client that sends through
`transport.GuardedSession` and raises only AdapterError and its subclasses, each with a
message a user can act on. Error statuses and bodies follow
https://docs.joinmastodon.org/entities/Error/ and https://docs.joinmastodon.org/api/rate-limits/.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import requests
from django.conf import settings
from django.utils.translation import gettext as _
from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonRatelimitError,
)

from orkesteri.lib.http import USER_AGENT, BlockedAddress
from orkesteri.networks.base import AdapterError, AuthExpired, RateLimited, Rejected
from orkesteri.networks.mastodon import conf
from orkesteri.networks.mastodon.transport import GuardedSession, NotSent

# What the SDK or a surprising answer can raise besides MastodonError: a JSON body of the
# wrong shape surfaces as KeyError/TypeError/AttributeError when we (or the SDK) read it.
SHAPE_ERRORS = (KeyError, TypeError, AttributeError, IndexError, ValueError)


@contextmanager
def talking_to(
    instance_url: str, access_token: str | None = None, *, connecting: bool = False
) -> Iterator[Mastodon]:
    """A Mastodon.py client for `instance_url`; every failure leaves as an AdapterError.

    `connecting`: the user just typed the address, so an answer that is not Mastodon's API
    means "wrong address" rather than "the server has a problem".
    """
    session = GuardedSession()
    try:
        api = Mastodon(
            api_base_url=instance_url,
            session=session,
            request_timeout=float(settings.HTTP_TIMEOUT_S),
            ratelimit_method="throw",  # never sleep in a worker: RateLimited goes to the caller
            mastodon_version=conf.SDK_VERSION,
            version_check_mode=conf.SDK_VERSION_CHECK,
            user_agent=USER_AGENT,
        )
        # Set after construction: the constructor treats an access_token or client_id that
        # names an existing file as that file and reads it (Mastodon.py's token files).
        api.access_token = access_token
        yield api
    except AdapterError:
        raise
    except (MastodonError, requests.RequestException, *SHAPE_ERRORS) as exc:
        raise translate(exc, session.last_response, instance_url, connecting) from exc
    finally:
        session.close()


def translate(
    exc: BaseException,
    response: requests.Response | None,
    instance_url: str,
    connecting: bool = False,
) -> AdapterError:
    """The AdapterError for anything Mastodon.py or requests raised."""
    cause = _root_cause(exc)
    if isinstance(cause, MastodonRatelimitError):
        return RateLimited(
            _("%(instance)s asks to slow down (rate limit). Orkesteri will try again later.")
            % {"instance": instance_url},
            retry_after=retry_after(response),
        )
    if isinstance(cause, (MastodonNetworkError, requests.RequestException)):
        return _network_error(cause, response, instance_url, connecting)
    if isinstance(cause, MastodonAPIError):
        return _api_error(cause, instance_url, connecting)
    if isinstance(cause, SHAPE_ERRORS):
        return _not_mastodon(instance_url, connecting)
    return AdapterError(
        _("Talking to %(instance)s failed: %(error)s") % {"instance": instance_url, "error": cause}
    )


def _root_cause(exc: BaseException) -> BaseException:
    """Mastodon.py re-raises inside `except` (log_in wraps everything in
    MastodonIllegalArgumentError): the Mastodon error that started it is more precise."""
    seen = exc
    while seen.__context__ is not None and isinstance(seen.__context__, MastodonError):
        seen = seen.__context__
    return seen


def _network_error(
    exc: BaseException,
    response: requests.Response | None,
    instance_url: str,
    connecting: bool,
) -> AdapterError:
    chain = _chain(exc)
    blocked = next((e for e in chain if isinstance(e, BlockedAddress)), None)
    if blocked is not None:
        return AdapterError(
            _(
                "Orkesteri may not connect to %(instance)s: %(reason)s. Only public internet"
                " addresses are allowed."
            )
            % {"instance": instance_url, "reason": blocked},
            permanent=True,
        )
    if any(isinstance(e, requests.exceptions.InvalidJSONError) for e in chain):
        # create_app parses the answer itself: a body that is not JSON lands here.
        return _not_mastodon(instance_url, connecting or response is not None)
    if any(isinstance(e, NotSent) for e in chain):
        return AdapterError(
            _("Could not reach %(instance)s. Check the address, or try again later.")
            % {"instance": instance_url}
        )
    if any(isinstance(e, requests.Timeout) for e in chain):
        return AdapterError(
            _(
                "%(instance)s did not answer in time. The post may or may not have been"
                " published; check the account before publishing again."
            )
            % {"instance": instance_url},
            unknown_outcome=True,
        )
    return AdapterError(
        _("The connection to %(instance)s broke off. Try again later.")
        % {"instance": instance_url},
        unknown_outcome=True,
    )


def _chain(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _api_error(exc: MastodonAPIError, instance_url: str, connecting: bool) -> AdapterError:
    status, message = _status_and_message(exc)
    if status is None:
        return _unparsed(exc, instance_url, connecting)
    if status == 401:
        return _refused_token(instance_url, connecting, message)
    if status == 403:
        return _forbidden(instance_url, message)
    if status == 429:
        return RateLimited(
            _("%(instance)s asks to slow down (rate limit). Orkesteri will try again later.")
            % {"instance": instance_url}
        )
    if status >= 500:
        return AdapterError(
            _("%(instance)s has a problem of its own (HTTP %(status)s). Try again later.")
            % {"instance": instance_url, "status": status},
            # A gateway that gave up may have passed the request on: the status may exist.
            unknown_outcome=status in (502, 504),
        )
    if connecting and (message is None or status == 404):
        return _not_mastodon(instance_url, connecting)
    if message is None and status not in (400, 404, 422):
        # Not a documented Mastodon error (no {"error": ...} body): a proxy, a wrong server.
        return AdapterError(
            _("%(instance)s answered HTTP %(status)s, which Mastodon does not. Try again later.")
            % {"instance": instance_url, "status": status}
        )
    return _client_error(instance_url, status, message)


def _status_and_message(exc: MastodonAPIError) -> tuple[int | None, str | None]:
    # Mastodon.py raises ('Mastodon API returned error', status, reason, error message).
    args = exc.args
    if len(args) >= 4 and isinstance(args[1], int):
        return args[1], args[3] if isinstance(args[3], str) and args[3] else None
    return None, None


def status_of(exc: BaseException | None) -> int | None:
    """The HTTP status a MastodonAPIError carries, if any."""
    if isinstance(exc, MastodonAPIError):
        return _status_and_message(exc)[0]
    return None


def raise_for_status(session: requests.Session) -> None:
    """For SDK calls that read a body without looking at the status (Mastodon.create_app):
    raise what Mastodon.py's own requests raise for an error answer."""
    response = getattr(session, "last_response", None)
    if response is None or response.ok:
        return
    if response.status_code == 429:
        raise MastodonRatelimitError("Hit rate limit.")
    try:
        body = response.json()
        message = body.get("error") if isinstance(body, dict) else None
    except ValueError:
        message = None
    raise MastodonAPIError(
        "Mastodon API returned error", response.status_code, response.reason, message
    )


def _unparsed(exc: MastodonAPIError, instance_url: str, connecting: bool) -> AdapterError:
    text = str(exc.args[0]) if exc.args else ""
    if text.startswith("Granted scopes"):
        return AdapterError(
            _(
                "%(instance)s granted Orkesteri fewer permissions than it needs (%(scopes)s)."
                " Connect again and approve all of them."
            )
            % {"instance": instance_url, "scopes": " ".join(conf.SCOPES)},
            permanent=True,
        )
    # "Could not parse response as JSON": a 2xx answer that is not Mastodon's JSON. After a
    # POST the status may have been created before the body broke.
    if connecting:
        return _not_mastodon(instance_url, connecting)
    return AdapterError(
        _("%(instance)s answered with something that is not Mastodon's API. Try again later.")
        % {"instance": instance_url},
        unknown_outcome=True,
    )


def _refused_token(instance_url: str, connecting: bool, message: str | None) -> AdapterError:
    if connecting:
        return AuthExpired(
            _(
                "%(instance)s refused the access token (%(reason)s). Copy the whole token from"
                " Preferences → Development → your application, or create a new one."
            )
            % {"instance": instance_url, "reason": message or _("not valid")}
        )
    return AuthExpired(
        _(
            "%(instance)s no longer accepts Orkesteri's access token: it was revoked or the"
            " application was deleted. Reconnect the channel."
        )
        % {"instance": instance_url}
    )


def _forbidden(instance_url: str, message: str | None) -> AdapterError:
    text = message or ""
    if conf.OUTSIDE_SCOPES in text:
        return AuthExpired(
            _(
                "The access token for %(instance)s lacks a permission Orkesteri needs"
                " (%(scopes)s). Reconnect the channel, or create a token with those scopes."
            )
            % {"instance": instance_url, "scopes": " ".join(conf.SCOPES)}
        )
    if any(reason in text for reason in conf.ACCOUNT_BLOCKED):
        return AuthExpired(
            _("%(instance)s does not let this account act: %(reason)s")
            % {"instance": instance_url, "reason": text}
        )
    return Rejected(
        _("%(instance)s does not allow this: %(reason)s")
        % {"instance": instance_url, "reason": text or _("forbidden")}
    )


def _client_error(instance_url: str, status: int, message: str | None) -> AdapterError:
    text = message or _("HTTP %(status)s") % {"status": status}
    if status == 422 and conf.MEDIA_NOT_READY in text:
        return AdapterError(
            _("%(instance)s is still processing the images. Orkesteri will try again shortly.")
            % {"instance": instance_url}
        )
    if status == 404:
        return Rejected(
            _(
                "%(instance)s could not find the post this refers to (%(reason)s); it may have"
                " been deleted."
            )
            % {"instance": instance_url, "reason": text}
        )
    return Rejected(
        _("%(instance)s refused the post: %(reason)s") % {"instance": instance_url, "reason": text}
    )


def _not_mastodon(instance_url: str, connecting: bool) -> AdapterError:
    if connecting:
        return AdapterError(
            _(
                "%(instance)s does not answer as a Mastodon server. Check the address: it is"
                " the one you sign in at, such as https://mastodon.social."
            )
            % {"instance": instance_url},
            permanent=True,
        )
    return AdapterError(
        _("%(instance)s answered with something that is not Mastodon's API. Try again later.")
        % {"instance": instance_url},
        unknown_outcome=True,
    )


def retry_after(response: requests.Response | None) -> float | None:
    """Seconds to wait, from Retry-After or X-RateLimit-Reset (rate-limits page), if given."""
    if response is None:
        return None
    headers = response.headers
    waited = _seconds_or_date(headers.get("Retry-After"), _server_now(headers))
    if waited is None:
        waited = _reset_at(headers.get("X-RateLimit-Reset"), _server_now(headers))
    return None if waited is None else max(0.0, waited)


def _server_now(headers: requests.structures.CaseInsensitiveDict[str]) -> datetime:
    # Reset times are the server's clock: measure from its Date header, not ours.
    date = _http_date(headers.get("Date"))
    return date or datetime.now(UTC)


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _seconds_or_date(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    if re.fullmatch(r"[0-9]{1,9}", value.strip()):
        return float(value)
    date = _http_date(value)
    return None if date is None else (date - now).total_seconds()


def _reset_at(value: str | None, now: datetime) -> float | None:
    # Mastodon sends an ISO 8601 timestamp; some compatible servers send Unix seconds.
    if not value:
        return None
    text = value.strip()
    try:
        if re.fullmatch(r"[0-9]{1,12}", text):
            return float(text) - now.timestamp()
        reset = datetime.fromisoformat(text)
    except ValueError:
        return None
    if reset.tzinfo is None:
        reset = reset.replace(tzinfo=UTC)
    return (reset - now).total_seconds()
