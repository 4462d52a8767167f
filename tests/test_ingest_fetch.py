"""The fetcher against a real HTTP server on 127.0.0.1 (tests/support/http.py)."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from curator.ingest.fetch import Fetcher, FetchResult, FetchStatus, fetch_sync, is_public_address
from curator.types import FetchSettings
from tests.support.http import FeedServer, Route, feed_server, gzipped

__all__ = ["feed_server"]

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
FAST = FetchSettings(timeout_seconds=2.0, max_body_bytes=1_000_000)


def fetch(
    url: str,
    settings: FetchSettings = FAST,
    *,
    page: bool = False,
    etag: str | None = None,
    last_modified: str | None = None,
) -> FetchResult:
    async def run() -> FetchResult:
        async with Fetcher(settings) as f:
            if page:
                return await f.fetch_page(url, now=NOW)
            return await f.fetch_feed(url, etag=etag, last_modified=last_modified, now=NOW)

    return asyncio.run(run())


def test_ok_sends_user_agent_and_reports_validators(feed_server: FeedServer) -> None:
    url = feed_server.route(
        "/feed",
        body=RSS,
        headers={
            "Content-Type": "application/rss+xml; charset=ISO-8859-1",
            "ETag": '"v1"',
            "Last-Modified": "Sun, 01 Mar 2026 10:00:00 GMT",
            "Cache-Control": "public, max-age=7200",
        },
    )
    result = fetch(url)
    assert result.status is FetchStatus.OK
    assert result.body == RSS
    assert (result.content_type, result.charset) == ("application/rss+xml", "iso-8859-1")
    assert result.etag == '"v1"'
    assert result.last_modified == "Sun, 01 Mar 2026 10:00:00 GMT"
    assert result.max_age_seconds == 7200
    sent = feed_server.hits("/feed")[0].headers
    assert sent["user-agent"] == FAST.user_agent
    assert "gzip" in sent["accept-encoding"]
    assert "if-none-match" not in sent


def test_conditional_get_gets_304(feed_server: FeedServer) -> None:
    def conditional(request: object) -> Route:
        headers = getattr(request, "headers", {})
        if headers.get("if-none-match") == '"v1"':
            return Route(status=304, headers={"ETag": '"v1"', "Cache-Control": "max-age=60"})
        return Route(body=RSS, headers={"ETag": '"v1"'})

    url = feed_server.route("/feed", conditional)
    first = fetch(url)
    second = fetch(url, etag=first.etag, last_modified="Sun, 01 Mar 2026 10:00:00 GMT")
    assert first.status is FetchStatus.OK
    assert second.status is FetchStatus.NOT_MODIFIED
    assert second.etag == '"v1"' and second.max_age_seconds == 60
    sent = feed_server.hits("/feed")[1].headers
    assert sent["if-modified-since"] == "Sun, 01 Mar 2026 10:00:00 GMT"


def test_permanent_redirect_is_reported_temporary_is_not(feed_server: FeedServer) -> None:
    feed_server.route("/old", status=301, headers={"Location": "/new"})
    feed_server.route("/new", status=302, headers={"Location": "/tmp"})
    feed_server.route("/tmp", body=RSS)
    result = fetch(feed_server.url("/old"))
    assert result.status is FetchStatus.OK
    assert result.permanent_url == feed_server.url("/new")
    assert result.final_url == feed_server.url("/tmp")

    feed_server.route("/moved", status=302, headers={"Location": "/perm"})
    feed_server.route("/perm", status=308, headers={"Location": "/tmp"})
    assert fetch(feed_server.url("/moved")).permanent_url is None


def test_gone(feed_server: FeedServer) -> None:
    result = fetch(feed_server.route("/feed", status=410, body=b"gone"))
    assert result.status is FetchStatus.GONE


@pytest.mark.parametrize("status", [404, 500, 502])
def test_http_errors(feed_server: FeedServer, status: int) -> None:
    result = fetch(feed_server.route("/feed", status=status, body=b"oops"))
    assert result.status is FetchStatus.ERROR
    assert result.http_status == status
    assert result.error is not None and str(status) in result.error


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", NOW + timedelta(seconds=120)),
        ("Sun, 01 Mar 2026 15:00:00 GMT", NOW.replace(hour=15)),
    ],
)
def test_retry_after(feed_server: FeedServer, value: str, expected: datetime) -> None:
    url = feed_server.route("/feed", status=429, headers={"Retry-After": value})
    result = fetch(url)
    assert result.status is FetchStatus.ERROR
    assert result.retry_after == expected


def test_timeout_before_headers(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", body=RSS, delay=1.5)
    result = fetch(url, FetchSettings(timeout_seconds=0.3))
    assert result.status is FetchStatus.ERROR
    assert result.error is not None and "timed out" in result.error


def test_endless_slow_body_is_cut_by_the_overall_deadline(feed_server: FeedServer) -> None:
    # One byte every 50 ms never trips the read timeout; only the overall deadline stops it.
    url = feed_server.route("/feed", body=b"<", chunk_size=1, chunk_delay=0.05, endless=True)
    result = fetch(url, FetchSettings(timeout_seconds=0.3, max_body_bytes=10_000_000))
    assert result.status is FetchStatus.ERROR
    assert result.error is not None and "timed out" in result.error


def test_endless_fast_body_is_cut_by_the_size_limit(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", body=b"x" * 65536, endless=True)
    result = fetch(url, FetchSettings(timeout_seconds=5, max_body_bytes=200_000))
    assert result.status is FetchStatus.ERROR
    assert result.error is not None and "larger than 200000" in result.error


def test_oversized_declared_body(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", body=b"x" * 300_000)
    result = fetch(url, FetchSettings(max_body_bytes=100_000))
    assert result.status is FetchStatus.ERROR
    assert result.error is not None and "Content-Length" in result.error


def test_oversized_undeclared_body(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", body=b"x" * 300_000, declare_length=False)
    result = fetch(url, FetchSettings(max_body_bytes=100_000))
    assert result.status is FetchStatus.ERROR
    assert result.error is not None and "larger than 100000" in result.error


def test_gzip_bomb_is_cut_after_decompression(feed_server: FeedServer) -> None:
    bomb = gzipped(b"\0" * 50_000_000)  # ~50 KB on the wire, 50 MB inflated
    assert len(bomb) < 100_000
    url = feed_server.route("/feed", body=bomb, headers={"Content-Encoding": "gzip"})
    result = fetch(url, FetchSettings(max_body_bytes=1_000_000))
    assert result.status is FetchStatus.ERROR
    assert result.error is not None and "after decompression" in result.error


@pytest.mark.parametrize(
    "encode",
    [gzipped, zlib.compress, lambda b: zlib.compress(b)[2:-4]],
    ids=["gzip", "deflate-zlib", "deflate-raw"],
)
def test_compressed_bodies_are_inflated(feed_server: FeedServer, encode: object) -> None:
    body = RSS * 100
    coding = "gzip" if encode is gzipped else "deflate"
    url = feed_server.route("/feed", body=encode(body), headers={"Content-Encoding": coding})  # type: ignore[operator]
    result = fetch(url)
    assert result.status is FetchStatus.OK, result.error
    assert result.body == body


def test_corrupt_gzip_is_an_error(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    result = fetch(url)
    assert result.status is FetchStatus.ERROR
    assert result.error is not None and "corrupt" in result.error


def test_redirect_loop(feed_server: FeedServer) -> None:
    feed_server.route("/a", status=302, headers={"Location": "/b"})
    feed_server.route("/b", status=301, headers={"Location": "/a"})
    result = fetch(feed_server.url("/a"))
    assert result.status is FetchStatus.ERROR
    assert result.error is not None and "redirect loop" in result.error


def test_too_many_redirects(feed_server: FeedServer) -> None:
    for i in range(10):
        feed_server.route(f"/r{i}", status=302, headers={"Location": f"/r{i + 1}"})
    feed_server.route("/r10", body=RSS)
    result = fetch(feed_server.url("/r0"), FetchSettings(max_redirects=3))
    assert result.status is FetchStatus.ERROR
    assert result.error is not None and "too many redirects" in result.error
    assert fetch(feed_server.url("/r0"), FetchSettings(max_redirects=10)).ok


def test_empty_body_is_fetched_ok(feed_server: FeedServer) -> None:
    result = fetch(feed_server.route("/feed", body=b""))
    assert result.status is FetchStatus.OK and result.body == b""


def test_connection_refused() -> None:
    with FeedServer() as server:
        url = server.url("/feed")
    result = fetch(url)
    assert result.status is FetchStatus.ERROR
    assert result.error is not None


@pytest.mark.parametrize("url", ["ftp://example.org/feed", "file:///etc/passwd", "feed.xml"])
def test_only_http_and_https(url: str) -> None:
    result = fetch(url)
    assert result.status is FetchStatus.ERROR
    assert result.error is not None and "http" in result.error


def test_ssrf_guard_on_article_pages(feed_server: FeedServer) -> None:
    url = feed_server.route("/article", body=b"<html>secret</html>")
    refused = fetch(url, page=True)
    assert refused.status is FetchStatus.ERROR
    assert refused.error is not None and "non-public address 127.0.0.1" in refused.error
    assert feed_server.hits("/article") == []
    # Names that resolve inside are refused too.
    by_name = fetch(url.replace("127.0.0.1", "localhost"), page=True)
    assert by_name.status is FetchStatus.ERROR and feed_server.hits("/article") == []
    allowed = fetch(url, FetchSettings(allow_private_addresses=True), page=True)
    assert allowed.ok and allowed.body == b"<html>secret</html>"
    # Feeds the user configured may live on localhost.
    assert fetch(url).ok


def test_ssrf_guard_checks_every_redirect_hop(feed_server: FeedServer) -> None:
    feed_server.route("/hop", status=302, headers={"Location": "http://10.0.0.1/admin"})
    result = fetch(feed_server.url("/hop"), FetchSettings(allow_private_addresses=False), page=True)
    assert result.status is FetchStatus.ERROR


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.1.1", False),
        ("172.16.0.1", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("::ffff:127.0.0.1", False),
        ("0.0.0.0", False),
        ("100.64.0.1", False),
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(address) is public


def test_per_host_limit(feed_server: FeedServer) -> None:
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def slow(_request: object) -> Route:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.3)  # long enough for the requests to overlap even on a busy machine
        with lock:
            in_flight -= 1
        return Route(body=RSS)

    for i in range(6):
        feed_server.route(f"/f{i}", slow)

    async def run() -> list[FetchResult]:
        async with Fetcher(FetchSettings(concurrency=8, per_host=2)) as f:
            return await asyncio.gather(
                *(f.fetch_feed(feed_server.url(f"/f{i}"), now=NOW) for i in range(6))
            )

    results = asyncio.run(run())
    assert all(r.ok for r in results)
    assert peak == 2


def test_fetch_sync(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", body=gzip.compress(RSS), headers={"Content-Encoding": "gzip"})
    assert fetch_sync(FAST, url, now=NOW).body == RSS


def test_fetch_sync_inside_a_running_event_loop(feed_server: FeedServer) -> None:
    url = feed_server.route("/feed", body=RSS)

    async def caller() -> FetchResult:
        return fetch_sync(FAST, url, now=NOW)  # e.g. called from a TUI's handler

    assert asyncio.run(caller()).body == RSS


def test_https_certificates_are_verified(tmp_path: Path) -> None:
    """TLS is verified against the usual CA bundle: a feed served with a certificate nobody
    vouches for is refused, and the error says why."""
    from tests.support.smtp import make_certificate

    certificate = make_certificate(tmp_path)
    if certificate is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    with FeedServer(certificate=certificate) as server:
        url = server.route("/feed.xml", body=b"<rss version='2.0'><channel></channel></rss>")
        assert url.startswith("https://")
        result = fetch(url)
    assert result.status is FetchStatus.ERROR
    assert "CERTIFICATE_VERIFY_FAILED" in (result.error or ""), result.error


def test_a_guarded_request_connects_to_the_address_it_checked(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: a name checked as public must not be resolved again on the connect (a
    hostile DNS server could then answer with an inside address). Here the name exists only
    for the guard: the request still arrives, so it went to the checked address."""
    from curator.ingest import fetch as fetch_module

    checked: list[str] = []

    async def resolve(self: Fetcher, host: str) -> list[str]:
        checked.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(Fetcher, "_resolve", resolve)
    monkeypatch.setattr(fetch_module, "is_public_address", lambda address: True)
    feed_server.route("/article", body=b"<html>the article</html>")
    url = f"http://news.invalid:{feed_server.port}/article"  # .invalid never resolves (RFC 2606)
    result = fetch(url, page=True)
    assert result.ok, result.error
    assert result.body == b"<html>the article</html>" and result.final_url == url
    assert checked == ["news.invalid"]
    (hit,) = feed_server.hits("/article")
    assert hit.headers["host"] == f"news.invalid:{feed_server.port}"


@pytest.mark.parametrize("status", [300, 305, 204])
def test_a_status_without_a_document_is_an_error_not_a_crash(
    feed_server: FeedServer, status: int
) -> None:
    """300 Multiple Choices and 305 are 3xx but no redirect we follow; 204 has no body. Each
    is this feed's error (so it backs off), never an exception out of the fetcher."""
    url = feed_server.route("/feed", status=status, body=b"" if status == 204 else b"choose")
    result = fetch(url)
    assert result.status is FetchStatus.ERROR
    assert result.error is not None and result.error.startswith(f"HTTP {status}")
