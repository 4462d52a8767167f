"""Digest links into the web workspace (issue 14): approve / reject / snooze one item in one click.

Mail scanners (Outlook Safe Links and others) open every link of a message, so a link never acts
by itself: it leads to a confirmation page whose button POSTs. Each link carries a token signed
with `serve.token` (itsdangerous) over the action, the profile and the item, with its signing
time: it expires after LINK_MAX_AGE and stops working as soon as the token changes. Pure: the
clock is a parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from curator.errors import InvalidAction
from curator.i18n import N_, Message
from curator.types import ServeSettings

ACTIONS = ("approve", "reject", "snooze")
LINK_MAX_AGE = timedelta(days=7)  # a week of digests still works; older ones say so
_SALT = "curator digest action"


@dataclass(frozen=True, slots=True)
class ActionLink:
    action: str
    profile: str
    item_id: int


def _serializer(secret: str, now: datetime) -> URLSafeTimedSerializer:
    class Signer(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(now.timestamp())

    return URLSafeTimedSerializer(secret, salt=_SALT, signer=Signer)


def sign(secret: str, link: ActionLink, now: datetime) -> str:
    """The URL-safe token for `link`, signed at `now`."""
    return str(_serializer(secret, now).dumps([link.action, link.profile, link.item_id]))


def read(secret: str, token: str, now: datetime, max_age: timedelta = LINK_MAX_AGE) -> ActionLink:
    """The link a token stands for. Raises InvalidAction when it expired or was not signed with
    this secret (altered, or serve.token changed since the digest was sent)."""
    serializer = _serializer(secret, now)
    try:
        value: Any = serializer.loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as e:
        raise InvalidAction(
            Message(
                N_("this link expired (links last {days} days): open curator instead"),
                days=max_age.days,
            )
        ) from e
    except BadSignature as e:
        raise InvalidAction(
            Message(
                N_("this link is not valid (altered, or serve.token changed since it was sent)")
            )
        ) from e
    if (
        not isinstance(value, list)
        or len(value) != 3
        or value[0] not in ACTIONS
        or not isinstance(value[1], str)
        or not isinstance(value[2], int)
    ):
        raise InvalidAction(Message(N_("this link is not valid")))
    return ActionLink(value[0], value[1], value[2])


def open_url(public_url: str, profile: str, item_id: int) -> str:
    """The queue page showing the item (the workspace's login, if any, comes first)."""
    return f"{public_url.rstrip('/')}/p/{quote(profile, safe='')}/queue?item={item_id}"


DigestLinks = Callable[[int], tuple[tuple[str, str], ...]]


def digest_links(serve: ServeSettings, profile: str, now: datetime) -> DigestLinks | None:
    """For a digest: item id -> ((action, url), ...) with "open" last; None without
    serve.public_url (or without the token that signs the links)."""
    public, secret = serve.public_url, serve.token
    if not public or not secret:
        return None
    base = public.rstrip("/")

    def links(item_id: int) -> tuple[tuple[str, str], ...]:
        signed = tuple(
            (action, f"{base}/d/{sign(secret, ActionLink(action, profile, item_id), now)}")
            for action in ACTIONS
        )
        return (*signed, ("open", open_url(public, profile, item_id)))

    return links
