"""Fetch policy with plain values: no network, no database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from curator.ingest import policy
from curator.types import Feed, FeedStatus, FetchSettings

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = FetchSettings(default_interval_minutes=60, max_backoff_minutes=600, disable_after_days=7)


class FixedRandom:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


MIDDLE = FixedRandom(0.5)  # no jitter


def feed(**kw: object) -> Feed:
    values: dict[str, object] = {"id": 1, "url": "http://a.test/feed", "name": None}
    values["status"] = FeedStatus.ACTIVE
    values.update(kw)
    return Feed(**values)  # type: ignore[arg-type]


def test_due_feeds_skip_gone_disabled_and_future() -> None:
    feeds = [
        feed(id=1, next_fetch_at=NOW + timedelta(minutes=1)),
        feed(id=2, next_fetch_at=NOW),
        feed(id=3, next_fetch_at=None),
        feed(id=4, status=FeedStatus.GONE),
        feed(id=5, status=FeedStatus.DISABLED, next_fetch_at=NOW - timedelta(days=1)),
        feed(id=6, next_fetch_at=NOW - timedelta(hours=2)),
    ]
    assert [f.id for f in policy.due_feeds(feeds, NOW)] == [3, 6, 2]


@pytest.mark.parametrize(
    ("interval", "max_age", "ttl", "expected_minutes"),
    [
        (None, None, None, 60),
        (15, None, None, 15),
        (None, 7200, None, 120),  # max-age lengthens
        (None, 60, None, 60),  # ... but never shortens
        (None, None, 180, 180),  # RSS ttl lengthens
        (None, 10 * 86400, None, 600),  # capped at max_backoff
        (24 * 60, None, None, 24 * 60),  # a user interval longer than the cap is kept
    ],
)
def test_next_fetch_after_success(
    interval: int | None, max_age: int | None, ttl: int | None, expected_minutes: int
) -> None:
    when = policy.next_fetch_after_success(
        feed(interval_minutes=interval), SETTINGS, NOW, max_age_seconds=max_age, ttl_minutes=ttl
    )
    assert when == NOW + timedelta(minutes=expected_minutes)


@pytest.mark.parametrize(
    ("errors", "expected_minutes"), [(1, 60), (2, 120), (5, 300), (10, 600), (50, 600)]
)
def test_error_backoff_grows_and_is_capped(errors: int, expected_minutes: int) -> None:
    when = policy.next_fetch_after_error(
        feed(), SETTINGS, NOW, consecutive_errors=errors, rng=MIDDLE
    )
    assert when == NOW + timedelta(minutes=expected_minutes)


def test_error_backoff_jitter_stays_within_ten_percent() -> None:
    low = policy.next_fetch_after_error(
        feed(), SETTINGS, NOW, consecutive_errors=2, rng=FixedRandom(0.0)
    )
    high = policy.next_fetch_after_error(
        feed(), SETTINGS, NOW, consecutive_errors=2, rng=FixedRandom(0.999999)
    )
    assert low == NOW + timedelta(minutes=108)
    assert NOW + timedelta(minutes=131) < high <= NOW + timedelta(minutes=132)


def test_retry_after_pushes_later_but_is_capped() -> None:
    later = NOW + timedelta(hours=5)
    assert (
        policy.next_fetch_after_error(
            feed(), SETTINGS, NOW, consecutive_errors=1, rng=MIDDLE, retry_after=later
        )
        == later
    )
    sooner = NOW + timedelta(minutes=5)
    assert policy.next_fetch_after_error(
        feed(), SETTINGS, NOW, consecutive_errors=1, rng=MIDDLE, retry_after=sooner
    ) == NOW + timedelta(minutes=60)
    far = NOW + timedelta(days=365)
    assert policy.next_fetch_after_error(
        feed(), SETTINGS, NOW, consecutive_errors=1, rng=MIDDLE, retry_after=far
    ) == NOW + timedelta(minutes=600)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", NOW + timedelta(seconds=120)),
        ("0", NOW),
        ("Sun, 01 Mar 2026 13:30:00 GMT", NOW + timedelta(minutes=90)),
        ("Sun, 01 Mar 2026 11:00:00 GMT", NOW),  # in the past: now
        ("soon", None),
        ("", None),
        (None, None),
        ("-5", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: datetime | None) -> None:
    assert policy.parse_retry_after(value, NOW) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("max-age=300", 300),
        ("public, max-age=3600, must-revalidate", 3600),
        ("max-age=60, s-maxage=600", 600),
        ('max-age="90"', 90),
        ("no-cache", None),
        ("max-age=0", None),
        (None, None),
    ],
)
def test_parse_max_age(value: str | None, expected: int | None) -> None:
    assert policy.parse_max_age(value) == expected


def test_after_success_resets_errors_and_keeps_validators_on_304() -> None:
    failing = feed(etag='"a"', last_modified="x", error_count=3, first_error_at=NOW, last_error="e")
    state = policy.after_success(
        failing, SETTINGS, NOW, etag=None, last_modified=None, not_modified=True
    )
    assert (state.etag, state.last_modified) == ('"a"', "x")
    assert (state.error_count, state.first_error_at, state.last_error) == (0, None, None)
    assert state.next_fetch_at == NOW + timedelta(hours=1)
    updated = policy.after_success(
        failing, SETTINGS, NOW, etag='"b"', last_modified="y", not_modified=True
    )
    assert (updated.etag, updated.last_modified) == ('"b"', "y")


def test_after_success_rewrites_url_on_permanent_redirect() -> None:
    state = policy.after_success(
        feed(), SETTINGS, NOW, etag=None, last_modified=None, new_url="http://b.test/feed"
    )
    assert state.url == "http://b.test/feed"


def test_after_error_counts_and_disables_after_the_configured_days() -> None:
    first = policy.after_error(feed(), SETTINGS, NOW, error="HTTP 500", rng=MIDDLE)
    assert first.status is FeedStatus.ACTIVE
    assert (first.error_count, first.first_error_at) == (1, NOW)
    assert first.next_fetch_at == NOW + timedelta(hours=1)

    six_days = feed(error_count=20, first_error_at=NOW - timedelta(days=6, hours=23))
    assert policy.after_error(six_days, SETTINGS, NOW, error="x", rng=MIDDLE).status is (
        FeedStatus.ACTIVE
    )
    seven_days = feed(error_count=20, first_error_at=NOW - timedelta(days=7))
    state = policy.after_error(seven_days, SETTINGS, NOW, error="HTTP 404 Not Found", rng=MIDDLE)
    assert state.status is FeedStatus.DISABLED
    assert state.next_fetch_at is None
    assert state.disabled_reason is not None and "HTTP 404" in state.disabled_reason
    assert "2026-02-22" in state.disabled_reason


def test_after_gone() -> None:
    state = policy.after_gone(feed(), NOW)
    assert state.status is FeedStatus.GONE
    assert state.next_fetch_at is None
    assert state.disabled_reason is not None and "410" in state.disabled_reason
    assert not policy.is_due(feed(status=state.status), NOW + timedelta(days=30))


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({}, True),  # never fetched
        ({"last_fetched_at": NOW - timedelta(minutes=30), "etag": '"x"'}, False),
        ({"last_fetched_at": NOW - timedelta(minutes=30), "last_modified": "Sun, 1 Mar"}, False),
        ({"last_fetched_at": NOW - timedelta(minutes=30), "body_digest": "ab12"}, False),
        ({"last_fetched_at": NOW - timedelta(minutes=30)}, True),  # nothing tells "unchanged"
        ({"last_fetched_at": NOW - timedelta(hours=7), "etag": '"x"'}, True),  # a while ago
    ],
)
def test_likely_changed(state: dict[str, object], expected: bool) -> None:
    assert policy.likely_changed(feed(**state), NOW) is expected
