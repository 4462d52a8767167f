"""A tiny static HTTP server on 127.0.0.1 for the demo's generated feeds and pages."""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar


class _Handler(BaseHTTPRequestHandler):
    files: ClassVar[Mapping[str, tuple[bytes, str]]] = {}
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Without TCP_NODELAY, Nagle's algorithm and delayed ACKs stall each response ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        found = self.server.files.get(path)  # type: ignore[attr-defined]
        if found is None:
            self.send_error(404)
            return
        body, content_type = found
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the demo's output is the product's, not the server's access log


class StaticServer:
    """Serve `files` (URL path -> (body, content type)) on 127.0.0.1 in a background thread."""

    def __init__(self, port: int = 0) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.files = {}  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def publish(self, files: Mapping[str, tuple[bytes, str]]) -> None:
        self._server.files = dict(files)  # type: ignore[attr-defined]

    def __enter__(self) -> StaticServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
