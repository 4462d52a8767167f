"""A scriptable HTTP server on 127.0.0.1 for tests (real sockets, no mocks).

Each path maps to a `Route` (status, headers, body, delays, slow or endless bodies) or to a
callable that builds one from the request, so a test can script 304s, redirects, Retry-After
and misbehaving servers. Every request is logged with its headers.

TCP_NODELAY is set on accepted sockets: without it, small responses stall ~40 ms on Nagle plus
delayed ACK, which would dominate benchmarks. The listen backlog is raised from socketserver's
5: a client opening more connections at once would see the extra ones dropped and retried by
TCP a second later.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str]


@dataclass
class Route:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the status line
    chunk_size: int = 0  # > 0: send the body in chunks (Transfer-Encoding: chunked)
    chunk_delay: float = 0.0  # seconds between chunks
    endless: bool = False  # repeat the body forever, chunked (until the client hangs up)
    declare_length: bool = True  # send Content-Length for non-chunked bodies


Handler = Callable[[Request], Route]


class _Server(ThreadingHTTPServer):
    request_queue_size = 128


class FeedServer:
    """A threaded HTTP/1.1 server; `routes` can be changed while it runs."""

    def __init__(self, *, certificate: Path | None = None) -> None:
        """`certificate` (cert and key in one PEM): serve HTTPS instead."""
        self.scheme = "https" if certificate else "http"
        self.routes: dict[str, Route | Handler] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server._serve(self)

            def do_HEAD(self) -> None:
                server._serve(self, head=True)

        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        if certificate is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certificate)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def route(self, path: str, route: Route | Handler | None = None, **kwargs: object) -> str:
        """Set what `path` answers and return its full URL."""
        self.routes[path] = route if route is not None else Route(**kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def serve_file(self, path: str, file: Path, **headers: str) -> str:
        return self.route(path, Route(body=file.read_bytes(), headers=dict(headers)))

    def hits(self, path: str) -> list[Request]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self, h: BaseHTTPRequestHandler, *, head: bool = False) -> None:
        request = Request(h.command, h.path, {k.lower(): v for k, v in h.headers.items()})
        with self._lock:
            self.requests.append(request)
        target = self.routes.get(h.path.split("?", 1)[0] if h.path not in self.routes else h.path)
        if target is None:
            route = Route(status=404, body=b"not found")
        elif isinstance(target, Route):
            route = target
        else:
            route = target(request)
        # The client may give up (timeouts, size limits): expected in these tests.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._write(h, route, head=head)

    @staticmethod
    def _write(h: BaseHTTPRequestHandler, route: Route, *, head: bool) -> None:
        if route.delay:
            time.sleep(route.delay)
        h.send_response(route.status)
        chunked = route.endless or route.chunk_size > 0
        for name, value in route.headers.items():
            h.send_header(name, value)
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
        elif route.declare_length:
            h.send_header("Content-Length", str(len(route.body)))
        else:
            h.send_header("Connection", "close")
            h.close_connection = True
        h.end_headers()
        if head or route.status == 304:
            return
        if not chunked:
            h.wfile.write(route.body)
            return
        size = route.chunk_size or max(1, len(route.body))
        while True:
            for start in range(0, len(route.body), size):
                piece = route.body[start : start + size]
                h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                h.wfile.flush()
                if route.chunk_delay:
                    time.sleep(route.chunk_delay)
            if not route.endless:
                break
        h.wfile.write(b"0\r\n\r\n")


def conditional_feed(body: bytes, etag: str | None) -> Callable[[Request], Route]:
    """A feed that answers 304 to a matching If-None-Match (when it has an ETag)."""
    headers = {"Content-Type": "application/xml"} | ({"ETag": etag} if etag else {})

    def answer(request: Request) -> Route:
        if etag and request.headers.get("if-none-match") == etag:
            return Route(status=304, headers={"ETag": etag})
        return Route(body=body, headers=headers)

    return answer


def bench_etag(body: bytes, index: int) -> str | None:
    """Nine feeds in ten send an ETag (real sites mostly do); the rest are re-downloaded."""
    return f'"{hashlib.sha1(body).hexdigest()[:16]}"' if index % 10 else None


def real_feeds_config(urls: list[str]) -> str:
    """feeds.yaml for the benches over the corpus' real feeds, all served on 127.0.0.1."""
    lines = [
        "profiles:",
        "  - name: bench",
        "    objective: software engineering, programming languages, open source",
        "fetch:",
        "  allow_private_addresses: true",
        "  concurrency: 8",
        "  per_host: 8  # the 149 sites all live on 127.0.0.1 here",
        "feeds:",
    ]
    for url in urls:
        lines += [f"  - url: {url}", "    full_text: never"]
    return "\n".join(lines) + "\n"


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server
