"""Pure HTTP policy for the calendar subscription endpoint that `curator serve` mounts.

No server here: the service turns a request into (If-None-Match, token) and sends back whatever
`calendar_response` decides. Keeping the decision pure lets the ETag/304 and token rules be tested
with plain values.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
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


def http_date(moment: datetime) -> str:
    """An IMF-fixdate (RFC 9110 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT"."""
    return format_datetime(moment.astimezone(UTC), usegmt=True)


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP date as an aware UTC datetime; None when absent or unreadable (RFC 9110 13.1.3:
    an invalid If-Modified-Since is ignored)."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def not_modified_since(
    if_none_match: str | None, if_modified_since: str | None, last_modified: datetime | None
) -> bool:
    """RFC 9110 13.1.3: If-Modified-Since counts only without If-None-Match, and then means
    "not modified" when the representation has not changed after that date (HTTP dates have
    whole seconds)."""
    if if_none_match or last_modified is None:
        return False
    since = parse_http_date(if_modified_since)
    return since is not None and last_modified.replace(microsecond=0) <= since


def calendar_response(
    body: bytes,
    *,
    if_none_match: str | None,
    max_age_seconds: int = 0,
    filename: str | None = None,
    last_modified: datetime | None = None,
    if_modified_since: str | None = None,
) -> CalendarResponse:
    """200 with the calendar, or 304 when the client already holds these exact bytes (its
    If-None-Match names the ETag) or, for clients that only send If-Modified-Since, when
    nothing changed since that date (`last_modified`, issue 16).

    Clients poll on their own schedule (REFRESH-INTERVAL is only a hint), so revalidation is
    cheap by default (max-age 0). "private" because the URL may carry a secret token and
    shared caches must not keep it.
    """
    etag = calendar_etag(body)
    cache = f"private, max-age={max(max_age_seconds, 0)}, must-revalidate"
    # RFC 9110 15.4.5: a 304 carries the same ETag and Cache-Control a 200 would have.
    headers = {"ETag": etag, "Cache-Control": cache}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified)
    if etag_matches(if_none_match, etag) or not_modified_since(
        if_none_match, if_modified_since, last_modified
    ):
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
