"""Pure fetch policy: when a feed is due, when to try again, when to give up.

Plain values in, plain values out (the clock and the random source are parameters), so every
rule is tested without a network or a database. `curator.ingest.fetch` reports what happened;
the functions here decide what the feed's stored state becomes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Protocol

from curator.types import Feed, FeedStatus, FetchSettings, FullTextMode

JITTER = 0.1  # error backoff is spread by +-10% so failing feeds do not retry in lockstep


class RandomSource(Protocol):
    def random(self) -> float: ...


@dataclass(frozen=True, slots=True)
class FeedState:
    """The stored state of a feed after one fetch attempt."""

    status: FeedStatus
    url: str
    etag: str | None
    last_modified: str | None
    last_fetched_at: datetime | None
    next_fetch_at: datetime | None
    error_count: int
    first_error_at: datetime | None
    last_error: str | None
    disabled_reason: str | None


def interval(feed: Feed, settings: FetchSettings) -> timedelta:
    minutes = feed.interval_minutes or settings.default_interval_minutes
    return timedelta(minutes=max(minutes, 1))


def _cap(feed: Feed, settings: FetchSettings) -> timedelta:
    # Never wait longer than the backoff cap, unless the user asked for a longer interval.
    return max(interval(feed, settings), timedelta(minutes=settings.max_backoff_minutes))


def is_due(feed: Feed, now: datetime) -> bool:
    return feed.status is FeedStatus.ACTIVE and (
        feed.next_fetch_at is None or feed.next_fetch_at <= now
    )


def due_feeds(feeds: Iterable[Feed], now: datetime) -> list[Feed]:
    """Active feeds whose next fetch time has come, most overdue (or never fetched) first."""
    due = [f for f in feeds if is_due(f, now)]
    epoch = datetime.min.replace(tzinfo=UTC)
    return sorted(due, key=lambda f: (f.next_fetch_at or epoch, f.id))


# A feed fetched less than this ago that can tell "unchanged" (validators, or the digest of
# its last document) most likely has nothing new to parse (issue 19).
RECENTLY_FETCHED = timedelta(hours=6)


def likely_changed(feed: Feed, now: datetime) -> bool:
    """Whether fetching `feed` will probably bring a document to parse: it was never fetched,
    not fetched for a while, or it gives nothing to recognise an unchanged document by.

    Worker processes are only worth starting for many such feeds: for a fetch where nearly
    every feed answers "not modified", starting them cost more than the whole fetch."""
    if feed.last_fetched_at is None or now - feed.last_fetched_at >= RECENTLY_FETCHED:
        return True
    return not (feed.etag or feed.last_modified or feed.body_digest)


def next_fetch_after_success(
    feed: Feed,
    settings: FetchSettings,
    now: datetime,
    *,
    max_age_seconds: int | None = None,
    ttl_minutes: int | None = None,
) -> datetime:
    """The feed's interval, lengthened (never shortened) by Cache-Control max-age and RSS ttl."""
    wait = interval(feed, settings)
    if max_age_seconds:
        wait = max(wait, timedelta(seconds=max_age_seconds))
    if ttl_minutes:
        wait = max(wait, timedelta(minutes=ttl_minutes))
    return now + min(wait, _cap(feed, settings))


def next_fetch_after_error(
    feed: Feed,
    settings: FetchSettings,
    now: datetime,
    *,
    consecutive_errors: int,
    rng: RandomSource,
    retry_after: datetime | None = None,
) -> datetime:
    """interval x consecutive errors, capped, with jitter; a Retry-After pushes it later."""
    cap = _cap(feed, settings)
    wait = min(interval(feed, settings) * max(consecutive_errors, 1), cap)
    wait = wait * (1 - JITTER + 2 * JITTER * rng.random())
    when = now + wait
    if retry_after is not None:
        when = max(when, min(retry_after, now + cap))
    return when


def should_disable(first_error_at: datetime | None, now: datetime, settings: FetchSettings) -> bool:
    if first_error_at is None:
        return False
    return now - first_error_at >= timedelta(days=settings.disable_after_days)


def after_success(
    feed: Feed,
    settings: FetchSettings,
    now: datetime,
    *,
    etag: str | None,
    last_modified: str | None,
    new_url: str | None = None,
    max_age_seconds: int | None = None,
    ttl_minutes: int | None = None,
    not_modified: bool = False,
) -> FeedState:
    """State after a 200 that parsed, or a 304. On 304 the server may send fresh validators
    (RFC 9110 §15.4.5); absent ones keep the stored values, and the feed's <ttl> is the one of
    the document stored last (a 304 carries none)."""
    if not_modified:
        etag = etag or feed.etag
        last_modified = last_modified or feed.last_modified
        ttl_minutes = ttl_minutes or feed.ttl_minutes
    return FeedState(
        status=FeedStatus.ACTIVE,
        url=new_url or feed.url,
        etag=etag,
        last_modified=last_modified,
        last_fetched_at=now,
        next_fetch_at=next_fetch_after_success(
            feed, settings, now, max_age_seconds=max_age_seconds, ttl_minutes=ttl_minutes
        ),
        error_count=0,
        first_error_at=None,
        last_error=None,
        disabled_reason=None,
    )


def after_error(
    feed: Feed,
    settings: FetchSettings,
    now: datetime,
    *,
    error: str,
    rng: RandomSource,
    retry_after: datetime | None = None,
) -> FeedState:
    """State after a failed fetch or a body that is not a feed: back off, maybe disable.

    Validators are kept: they describe the last good copy, and dropping them would turn the
    next successful answer into a full download for nothing.
    """
    count = feed.error_count + 1
    first = feed.first_error_at or now
    disabled = should_disable(first, now, settings)
    reason = None
    if disabled:
        reason = f"failing since {first:%Y-%m-%d %H:%M} UTC ({count} errors); last: {error}"
    return FeedState(
        status=FeedStatus.DISABLED if disabled else FeedStatus.ACTIVE,
        url=feed.url,
        etag=feed.etag,
        last_modified=feed.last_modified,
        last_fetched_at=now,
        next_fetch_at=None
        if disabled
        else next_fetch_after_error(
            feed, settings, now, consecutive_errors=count, rng=rng, retry_after=retry_after
        ),
        error_count=count,
        first_error_at=first,
        last_error=error,
        disabled_reason=reason,
    )


def after_gone(feed: Feed, now: datetime) -> FeedState:
    """410: the publisher says the feed is gone for good; it is never fetched again."""
    return FeedState(
        status=FeedStatus.GONE,
        url=feed.url,
        etag=feed.etag,
        last_modified=feed.last_modified,
        last_fetched_at=now,
        next_fetch_at=None,
        error_count=feed.error_count + 1,
        first_error_at=feed.first_error_at or now,
        last_error="HTTP 410 Gone",
        disabled_reason=f"gone since {now:%Y-%m-%d} (the server answered 410)",
    )


_MAX_AGE = re.compile(r"(?:^|[,\s])(s-maxage|max-age)\s*=\s*\"?(\d+)\"?", re.IGNORECASE)


def parse_max_age(cache_control: str | None) -> int | None:
    """Seconds of Cache-Control max-age (s-maxage wins, as for a shared cache); None if absent.
    no-store/no-cache say nothing about how often to poll, so they are ignored."""
    if not cache_control:
        return None
    found = {name.lower(): int(value) for name, value in _MAX_AGE.findall(cache_control)}
    value = found.get("s-maxage", found.get("max-age"))
    return value if value and value > 0 else None


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3), as an absolute time."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(when.astimezone(UTC), now)


# ---- full text -------------------------------------------------------------------------------


def wants_full_text(mode: FullTextMode, *, url: str | None, truncated: bool) -> bool:
    """Should the article page of a new entry be fetched? (per-feed `full_text`; `truncated`
    is `curator.extract.looks_truncated` of the entry)."""
    if not url or mode is FullTextMode.NEVER:
        return False
    return mode is FullTextMode.ALWAYS or truncated


def limit_full_text(wanted: Sequence[bool], limit: int) -> list[bool]:
    """At most `limit` article pages per feed and run (issue 13: a 20,000-entry feed asked for
    20,000 pages in one run): the first entries keep theirs, as feeds list their newest first;
    the others are stored with the feed's text only."""
    kept: list[bool] = []
    left = limit
    for want in wanted:
        kept.append(want and left > 0)
        left -= kept[-1]
    return kept
