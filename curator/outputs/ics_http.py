"""Pure HTTP policy for the calendar subscription endpoint that `curator serve` mounts.

No server here: the service turns a request into (If-None-Match, token) and sends back whatever
`calendar_response` decides. Keeping the decision pure lets the ETag/304 and token rules be tested
with plain values.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from typing import NamedTuple
from urllib.parse import quote, urlencode

CONTENT_TYPE = "text/calendar; charset=utf-8"
_CALENDAR_PREFIX, _CALENDAR_SUFFIX = "/calendar/", ".ics"


class CalendarResponse(NamedTuple):
    """Status, headers and body; the transport adds Content-Length (never 0 on a 304)."""

    status: int
    headers: dict[str, str]
    body: bytes


def calendar_etag(body: bytes) -> str:
    """A strong entity tag: the same bytes, and only they, give the same tag."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _opaque(tag: str) -> str:
    # If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/"x" matches "x".
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header value names `etag` (or is `*`)."""
    if not if_none_match:
        return False
    wanted = _opaque(etag)
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or (candidate and _opaque(candidate) == wanted):
            return True
    return False


def calendar_response(
    body: bytes,
    *,
    if_none_match: str | None,
    max_age_seconds: int = 0,
    filename: str | None = None,
) -> CalendarResponse:
    """200 with the calendar, or 304 when the client already holds these exact bytes.

    Clients poll on their own schedule (REFRESH-INTERVAL is only a hint), so revalidation is
    cheap by default (max-age 0). "private" because the URL may carry a secret token and
    shared caches must not keep it.
    """
    etag = calendar_etag(body)
    cache = f"private, max-age={max(max_age_seconds, 0)}, must-revalidate"
    # RFC 9110 15.4.5: a 304 carries the same ETag and Cache-Control a 200 would have.
    headers = {"ETag": etag, "Cache-Control": cache}
    if etag_matches(if_none_match, etag):
        return CalendarResponse(304, headers, b"")
    headers["Content-Type"] = CONTENT_TYPE
    if filename:
        headers["Content-Disposition"] = f'inline; filename="{_safe_filename(filename)}"'
    return CalendarResponse(200, headers, body)


def forbidden() -> CalendarResponse:
    """A missing or wrong token. Checked before the profile, so it says nothing about names."""
    return CalendarResponse(403, {"Content-Type": "text/plain; charset=utf-8"}, b"forbidden\n")


def not_found() -> CalendarResponse:
    return CalendarResponse(404, {"Content-Type": "text/plain; charset=utf-8"}, b"not found\n")


PUBLIC_WITHOUT_TOKEN = (
    "calendars are not served on a public address without a token: set serve.token in "
    "feeds.yaml, or start `curator serve --allow-public-calendars` to serve them to anyone "
    "who can reach this address"
)


def calendars_refused() -> CalendarResponse:
    """A calendar asked on a non-loopback address while no token is set (issue 13)."""
    body = PUBLIC_WITHOUT_TOKEN.encode() + b"\n"
    return CalendarResponse(403, {"Content-Type": "text/plain; charset=utf-8"}, body)


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host`: localhost, 127.0.0.0/8 or ::1.

    Anything else (0.0.0.0 and :: listen everywhere; a name may resolve anywhere) counts as
    public.
    """
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _safe_filename(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "calendar.ics"


def token_ok(expected: str | None, given: str | None) -> bool:
    """Whether a request may read a calendar: no token configured, or the right one.

    The comparison takes the same time wherever the strings differ, so the token cannot be
    guessed one character at a time from response times.
    """
    if not expected:
        return True
    if given is None:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def calendar_path(profile: str) -> str:
    """The path `curator serve` answers for a profile's calendar."""
    return f"{_CALENDAR_PREFIX}{quote(profile, safe='')}{_CALENDAR_SUFFIX}"


def calendar_path_profile(path: str) -> str | None:
    """The profile part of a `calendar_path` (still percent-encoded), None for another path."""
    if path.startswith(_CALENDAR_PREFIX) and path.endswith(_CALENDAR_SUFFIX):
        return path.removeprefix(_CALENDAR_PREFIX).removesuffix(_CALENDAR_SUFFIX)
    return None


def calendar_url(
    host: str, port: int, profile: str, *, token: str | None = None, scheme: str = "webcal"
) -> str:
    """The subscription URL to paste into a calendar client (webcal:// opens it directly)."""
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # IPv6 literal
    url = f"{scheme}://{host}:{port}{calendar_path(profile)}"
    return url + ("?" + urlencode({"token": token}) if token else "")
