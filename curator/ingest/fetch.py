"""The only HTTP code of curator: polite, bounded fetching of feeds and article pages.

Wraps httpx and hands back plain `FetchResult` values; no exception leaves `Fetcher.fetch_*`
except cancellation, so one broken feed can never stop the others. Policy (when to fetch again,
when to disable) lives in `curator.ingest.policy`; this module only reports what happened.

Choices, and why:
- Redirects are followed by hand so the chain is bounded, loops are named, every hop passes the
  address guard, and an unbroken run of permanent redirects (301/308) from the stored URL is
  reported so the stored URL can be rewritten (temporary ones must not be, RFC 9110 §15.4).
- Decompression is done here, not by httpx: httpx inflates each network chunk in one call, so a
  64 KB gzip bomb chunk becomes ~64 MB in memory before any limit can act. With
  `decompressobj.decompress(max_length=...)` the body never grows past the limit.
- Read timeouts reset on every byte, so a server dribbling an endless body would never time out;
  an overall deadline (3 x the timeout) bounds every request.
"""

from __future__ import annotations

import asyncio
import enum
import errno
import functools
import hashlib
import ipaddress
import socket
import ssl
import threading
import zlib
from collections.abc import Callable, Coroutine, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from curator.ingest.policy import parse_max_age, parse_retry_after
from curator.types import FetchSettings

T = TypeVar("T")

PERMANENT_REDIRECTS = frozenset({301, 308})
REDIRECTS = frozenset({301, 302, 303, 307, 308})
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.8"
)
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.8"
# Only encodings this module can inflate with a bound; brotli/zstd would need extra libraries.
ACCEPT_ENCODING = "gzip, deflate"
TOTAL_DEADLINE_FACTOR = 3.0
_READ_CHUNK = 64 * 1024
_DRAIN_LIMIT = 64 * 1024


class FetchStatus(enum.StrEnum):
    OK = "ok"  # a body was received (it may still fail to parse)
    NOT_MODIFIED = "not_modified"  # 304: the stored validators still hold
    GONE = "gone"  # 410: never fetch again
    ERROR = "error"  # network error, timeout, 4xx/5xx, too large, blocked, bad redirect
    CANCELLED = "cancelled"  # not attempted: a stop was requested (the service shuts down)


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str  # the URL requested
    status: FetchStatus
    final_url: str  # where the body came from, after redirects
    http_status: int | None = None
    body: bytes = b""
    content_type: str | None = None  # media type without parameters, lower case
    charset: str | None = None  # the charset parameter of Content-Type, if any
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    etag: str | None = None
    last_modified: str | None = None
    # The target of the unbroken run of 301/308 starting at `url`; None if there was none.
    permanent_url: str | None = None
    retry_after: datetime | None = None  # 429/503 Retry-After as an absolute time
    max_age_seconds: int | None = None  # Cache-Control max-age
    error: str | None = None
    digest: str | None = None  # of `body`, when there is one: tells a re-sent document apart

    @property
    def ok(self) -> bool:
        return self.status is FetchStatus.OK


class Private(enum.Enum):
    """Which addresses a request may reach: the SSRF guard's three policies."""

    ALLOW = "allow"  # anything (fetch.allow_private_addresses)
    REFUSE = "refuse"  # public addresses only: a URL found in a feed or a page
    # A URL the user gave (a configured feed): on the local network if the URL itself is
    # there (an intranet feed, a test server), else public all along, redirects included: a
    # public feed must not redirect us inside (issue 13).
    ORIGIN = "origin"


class _Refused(Exception):
    """An internal stop with a user-readable reason and maybe the HTTP status."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def is_public_address(address: str) -> bool:
    """True if `address` is a globally routable unicast IP (not private/loopback/link-local...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def check_scheme(url: str) -> str:
    """Return the lower-case host of an http(s) URL, or raise `_Refused`."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise _Refused(f"only http and https URLs are fetched, not {parts.scheme or 'none'!r}")
    if not parts.hostname:
        raise _Refused("URL has no host")
    return parts.hostname.lower()


class _Inflater:
    """Bounded Content-Encoding decoder: output never exceeds `limit` bytes."""

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._chunks: list[bytes] = []
        self._deflate_raw_retry = False
        enc = encoding.strip().lower()
        if enc in ("", "identity"):
            self._obj: zlib._Decompress | None = None
        elif enc in ("gzip", "x-gzip"):
            self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
            self._obj = zlib.decompressobj(zlib.MAX_WBITS)
            self._deflate_raw_retry = True
        else:
            raise _Refused(f"unsupported Content-Encoding {encoding!r}")

    def feed(self, data: bytes) -> None:
        if self._obj is None:
            self._add(data)
            return
        try:
            while data:
                room = self.limit - self.size + 1  # one byte more than allowed reveals overflow
                out = self._obj.decompress(data, room)
                self._deflate_raw_retry = False
                self._add(out)
                data = self._obj.unconsumed_tail
                if self._obj.eof:
                    break
        except zlib.error as e:
            if self._deflate_raw_retry and not self._chunks:
                self._deflate_raw_retry = False
                self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
                self.feed(data)
                return
            raise _Refused(f"corrupt compressed body: {e}") from e

    def finish(self) -> bytes:
        if self._obj is not None:
            try:
                self._add(self._obj.flush())
            except zlib.error as e:
                raise _Refused(f"corrupt compressed body: {e}") from e
        return b"".join(self._chunks)

    def _add(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise _Refused(f"body larger than {self.limit} bytes (after decompression)")
        if data:
            self._chunks.append(data)


class Fetcher:
    """An async HTTP client with curator's politeness and safety rules.

    Use as `async with Fetcher(settings) as f: await f.fetch_feed(url, etag=..., ...)`.
    Concurrency is bounded overall (`settings.concurrency`) and per host (`settings.per_host`),
    for feeds and pages alike, since both hit the same sites.
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self._stop = stop
        t = settings.timeout_seconds
        self._client = httpx.AsyncClient(
            follow_redirects=False,
            timeout=httpx.Timeout(t, connect=t, read=t, write=t, pool=None),
            limits=httpx.Limits(
                max_connections=max(settings.concurrency, 1) * 2,
                max_keepalive_connections=max(settings.concurrency, 1) * 2,
            ),
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
            verify=_tls_context(),
            transport=transport,
            trust_env=False,  # a proxy from the environment would bypass the address guard
        )
        self._overall = asyncio.Semaphore(max(settings.concurrency, 1))
        self._hosts: dict[str, asyncio.Semaphore] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch_feed(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        now: datetime,
    ) -> FetchResult:
        """Conditional GET of a feed the user configured: it may live on a private host, but
        a public one may not redirect to a private one (`Private.ORIGIN`)."""
        headers = {"Accept": FEED_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._fetch(url, headers, private=self._private(Private.ORIGIN), now=now)

    async def fetch_page(self, url: str, *, now: datetime) -> FetchResult:
        """GET an article page whose URL came from a feed: private addresses are refused
        unless `allow_private_addresses` is set (a feed must not make us probe the LAN)."""
        private = self._private(Private.REFUSE)
        return await self._fetch(url, {"Accept": PAGE_ACCEPT}, private=private, now=now)

    async def fetch_any(self, url: str, *, now: datetime, user_given: bool = True) -> FetchResult:
        """GET for discovery: a URL the user typed (as a configured feed) or one found in a
        page (public only)."""
        private = self._private(Private.ORIGIN if user_given else Private.REFUSE)
        return await self._fetch(url, {"Accept": FEED_ACCEPT}, private=private, now=now)

    def _private(self, policy: Private) -> Private:
        return Private.ALLOW if self.settings.allow_private_addresses else policy

    async def _fetch(
        self, url: str, headers: dict[str, str], *, private: Private, now: datetime
    ) -> FetchResult:
        try:
            host = check_scheme(url)
        except _Refused as e:
            return FetchResult(url, FetchStatus.ERROR, url, error=e.reason)
        deadline = self.settings.timeout_seconds * TOTAL_DEADLINE_FACTOR
        async with self._overall, self._host_slot(host):
            if self._stop is not None and self._stop.is_set():
                return FetchResult(url, FetchStatus.CANCELLED, url, error="stop requested")
            try:
                async with asyncio.timeout(deadline):
                    return await self._follow(url, headers, private=private, now=now)
            except TimeoutError:
                return FetchResult(
                    url, FetchStatus.ERROR, url, error=f"timed out after {deadline:g} s"
                )

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        slot = self._hosts.get(host)
        if slot is None:
            slot = self._hosts[host] = asyncio.Semaphore(max(self.settings.per_host, 1))
        return slot

    async def _follow(
        self, url: str, headers: dict[str, str], *, private: Private, now: datetime
    ) -> FetchResult:
        current = url
        permanent: str | None = None
        still_permanent = True
        seen = {url}
        status: int | None = None
        guarded = private is Private.REFUSE
        for hop in range(self.settings.max_redirects + 1):
            try:
                host = check_scheme(current)
                address = None
                if hop == 0 and private is Private.ORIGIN:
                    # The URL itself decides: inside, the whole chain may stay inside; outside,
                    # every hop is guarded like an article link, this one included.
                    address = await self._public_address(host)
                    guarded = address is not None
                elif guarded:
                    address = await self._guard(host, redirected=private is Private.ORIGIN)
                return await self._get(current, url, headers, permanent, now, address)
            except _Redirect as r:
                status = r.status
                target = r.location
                if target in seen:
                    return _error(url, current, f"redirect loop at {target}", status)
                seen.add(target)
                if still_permanent and r.status in PERMANENT_REDIRECTS:
                    permanent = target
                else:
                    still_permanent = False
                current = target
            except _Refused as e:
                return _error(url, current, e.reason, e.status, permanent=permanent)
            except (httpx.HTTPError, OSError) as e:
                return _error(url, current, network_reason(e, current), permanent=permanent)
            except ValueError as e:
                return _error(url, current, f"invalid URL: {e}", permanent=permanent)
        return _error(
            url, current, f"too many redirects (more than {self.settings.max_redirects})", status
        )

    async def _guard(self, host: str, *, redirected: bool = False) -> str:
        """Refuse hosts that resolve to non-public addresses (SSRF guard); return the checked
        address, which a plain-http request then connects to (`_get`): the name is not
        resolved a second time, so a DNS server answering differently on the connect
        (rebinding) cannot steer the request inside. `redirected`: the host was reached by a
        redirect from a public address, which the reason says."""
        addresses = await self._addresses(host)
        for address in addresses:
            if not is_public_address(address):
                if redirected:
                    raise _Refused(
                        "refused a redirect from a public address to the private address "
                        f"{address} ({host})"
                    )
                raise _Refused(f"refused non-public address {address} for {host}")
        return addresses[0]

    async def _public_address(self, host: str) -> str | None:
        """The address to connect to if `host` is public (then it is guarded like an article
        link), None if any of its addresses is private (then nothing is guarded)."""
        addresses = await self._addresses(host)
        return addresses[0] if all(is_public_address(a) for a in addresses) else None

    async def _addresses(self, host: str) -> list[str]:
        try:
            addresses = await self._resolve(host)
        except OSError as e:
            raise _Refused(network_reason(e, f"http://{host}/")) from e
        if not addresses:
            raise _Refused(f"cannot resolve {host}: no address")
        return addresses

    async def _resolve(self, host: str) -> list[str]:
        infos = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    async def _get(
        self,
        current: str,
        original: str,
        headers: dict[str, str],
        permanent: str | None,
        now: datetime,
        address: str | None = None,
    ) -> FetchResult:
        target = current
        if address is not None and current.lower().startswith("http:"):
            # Connect to the address the guard checked, and no other. (Over https the
            # certificate already refuses an inside server that a rebinding DNS points to, and
            # pooled TLS connections must stay tied to the name they were verified for.)
            target, headers = _pinned(current, address, headers)
        async with self._client.stream("GET", target, headers=headers) as response:
            code = response.status_code
            h = {k.lower(): v for k, v in response.headers.items()}
            if code in REDIRECTS:
                location = h.get("location")
                await _drain(response)
                if not location:
                    raise _Refused(f"HTTP {code} without Location", code)
                raise _Redirect(code, urljoin(current, location.strip()))
            common: dict[str, object] = {
                "final_url": current,
                "http_status": code,
                "headers": h,
                "etag": h.get("etag"),
                "last_modified": h.get("last-modified"),
                "permanent_url": permanent,
                "max_age_seconds": parse_max_age(h.get("cache-control")),
            }
            if not 200 <= code < 300 or code == 204:  # no document: whatever it is, not a body
                await _drain(response)
                if code == 304:
                    return FetchResult(original, FetchStatus.NOT_MODIFIED, **common)  # type: ignore[arg-type]
                if code == 410:
                    return FetchResult(original, FetchStatus.GONE, error="HTTP 410 Gone", **common)  # type: ignore[arg-type]
                # 4xx, 5xx, 204, and 3xx that are no redirect (300, 305): errors, backed off
                retry = None
                if code in (429, 503):
                    retry = parse_retry_after(h.get("retry-after"), now)
                reason = response.reason_phrase or ""
                return FetchResult(
                    original,
                    FetchStatus.ERROR,
                    retry_after=retry,
                    error=f"HTTP {code} {reason}".strip(),
                    **common,  # type: ignore[arg-type]
                )
            body = await self._read_body(response, h)
            media, charset = _content_type(h.get("content-type"))
            return FetchResult(
                original,
                FetchStatus.OK,
                body=body,
                digest=hashlib.blake2b(body, digest_size=16).hexdigest(),
                content_type=media,
                charset=charset,
                **common,  # type: ignore[arg-type]
            )

    async def _read_body(self, response: httpx.Response, headers: Mapping[str, str]) -> bytes:
        limit = self.settings.max_body_bytes
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise _Refused(f"body larger than {limit} bytes (Content-Length {declared})")
        inflater = _Inflater(headers.get("content-encoding", ""), limit)
        received = 0
        async for chunk in response.aiter_raw(_READ_CHUNK):
            received += len(chunk)
            if received > limit:
                raise _Refused(f"body larger than {limit} bytes")
            inflater.feed(chunk)
        return inflater.finish()


async def _drain(response: httpx.Response) -> None:
    """Read a small unwanted body (304, redirect, error page) so the connection can be
    reused; a large one is abandoned with its connection instead."""
    received = 0
    async for chunk in response.aiter_raw(_READ_CHUNK):
        received += len(chunk)
        if received > _DRAIN_LIMIT:
            break


class _Redirect(Exception):
    def __init__(self, status: int, location: str) -> None:
        super().__init__(location)
        self.status = status
        self.location = location


def _pinned(url: str, address: str, headers: dict[str, str]) -> tuple[str, dict[str, str]]:
    """`url` rewritten to reach `address`, with the Host header of the original host."""
    original = httpx.URL(url)
    host = original.raw_host.decode("ascii")  # IDNA-encoded, as on the wire
    port = f":{original.port}" if original.port else ""
    return str(original.copy_with(host=address)), {**headers, "Host": f"{host}{port}"}


def _content_type(value: str | None) -> tuple[str | None, str | None]:
    if not value:
        return None, None
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, val = param.partition("=")
        if name.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'").lower()
    return media.strip().lower() or None, charset


# A failure of the name lookup, by getaddrinfo's code: the name does not exist, or the DNS
# server did not answer (which may pass).
_DNS_REASONS = {
    socket.EAI_NONAME: "no such host",
    getattr(socket, "EAI_NODATA", socket.EAI_NONAME): "no such host",
    socket.EAI_AGAIN: "the DNS server did not answer",
    socket.EAI_FAIL: "the DNS server failed",
}
_OS_REASONS = {
    errno.ECONNRESET: "connection reset by the server",
    errno.ECONNABORTED: "connection aborted",
    errno.EPIPE: "connection closed by the server while sending the request",
    errno.ECONNREFUSED: "cannot connect: connection refused (nothing listens at {address})",
    errno.ENETUNREACH: "cannot connect: network unreachable",
    errno.EHOSTUNREACH: "cannot connect: no route to {address}",
    errno.ETIMEDOUT: "timed out connecting to {address}",
}


def network_reason(error: BaseException, url: str) -> str:
    """What went wrong on the network, in words a feed's status can show (issue 13: a reset
    connection read "ReadError: ReadError"). httpx wraps the cause (the OSError, the TLS or DNS
    error) once or twice and often says nothing itself, so the chain of causes is searched
    for it first. The reasons begin as `curator.outputs.words` expects to translate them."""
    parts = urlsplit(url)
    host = parts.hostname or url
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = 0
    address = f"{host}:{port}"
    for cause in _causes(error):
        if isinstance(cause, ssl.SSLCertVerificationError):
            why = cause.verify_message or str(cause)
            return f"TLS certificate refused ({cause.reason}: {why})"
        if isinstance(cause, ssl.SSLError):
            return f"TLS handshake failed ({cause.reason or cause})"
        if isinstance(cause, socket.gaierror):
            code = cause.errno if isinstance(cause.errno, int) else 0
            reason = _DNS_REASONS.get(code, cause.strerror or str(cause))
            return f"cannot resolve {host}: {reason}"
        if isinstance(cause, OSError) and cause.errno in _OS_REASONS:
            return _OS_REASONS[cause.errno].format(address=address)
    text = str(error)
    if isinstance(error, httpx.ConnectTimeout):
        return f"timed out connecting to {address}"
    if isinstance(error, httpx.ReadTimeout):
        return "timed out waiting for the server to answer"
    if isinstance(error, httpx.WriteTimeout):
        return "timed out sending the request"
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    if isinstance(error, httpx.RemoteProtocolError):
        if "without sending" in text and "response" in text:
            return "the server closed the connection without answering"
        if "complete message body" in text:
            return "the server closed the connection before the end of the document"
        return f"protocol error: {text or 'the answer is not valid HTTP'}"
    if isinstance(error, httpx.ReadError):
        return "connection broken while reading the answer"
    if isinstance(error, httpx.WriteError):
        return "connection broken while sending the request"
    if isinstance(error, httpx.ConnectError):
        return f"cannot connect: {text or address}"
    if isinstance(error, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return f"invalid URL: {text}"
    detail = text or getattr(error, "strerror", None) or type(error).__name__
    return f"network error: {detail}"


def _causes(error: BaseException) -> list[BaseException]:
    """`error` and what caused it, outermost first (bounded: chains can loop)."""
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _error(
    url: str,
    current: str,
    reason: str,
    status: int | None = None,
    *,
    permanent: str | None = None,
) -> FetchResult:
    return FetchResult(
        url,
        FetchStatus.ERROR,
        current,
        http_status=status,
        error=reason,
        permanent_url=permanent,
    )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default verification (the certifi bundle), built once per process: loading the
    bundle costs ~20 ms, paid by every fetch of the service otherwise (requests does the same)."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def run_sync(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from synchronous code, even when the calling thread
    already runs an event loop (a TUI, a notebook): then it runs on a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with ThreadPoolExecutor(1, thread_name_prefix="curator-fetch") as thread:
        return thread.submit(lambda: asyncio.run(factory())).result()


def fetch_sync(settings: FetchSettings, url: str, *, now: datetime) -> FetchResult:
    """One user-given URL, outside any event loop (CLI helpers such as `feeds add`)."""

    async def run() -> FetchResult:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch_any(url, now=now)

    return run_sync(run)
