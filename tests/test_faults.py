"""Every fault curator is tested against, in one place (issue 13), and the one line the user
gets for each. Each section reproduces one kind of failure with real parts and checks the one
clear line (or the safe outcome) it now gets instead of a traceback, a crash later on, or damage
to the data.

Sections:
- configuration: every number in feeds.yaml out of its documented range, NaN and infinity.
- network: a connection reset, refused or silent server, a DNS or TLS failure, too many
  redirects: each a plain reason stored on the feed.
- hostile content: control characters, huge titles and descriptions, too many article pages,
  a public feed redirecting to a private address, `javascript:` URLs.
- storage: a damaged or foreign database file, one made by a newer curator, a read-only file
  or folder, a database locked past the busy timeout, a full disk during a fetch. Many
  processes at once on one database (the service, two runs, 200 queue commands) are tested
  in tests/test_concurrency.py.
- service: job lines without -v, /healthz ok/degraded/failing, no calendars on a public
  address without a token, parse workers that ignore a `curator/` folder in the current
  directory, a digest that says why it was not sent, a client that hangs up mid-response.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path

import httpx
import pytest

from curator.app import Curator
from curator.config import parse_settings
from curator.demo.server import StaticServer
from curator.errors import ConfigError
from curator.health import Health, HealthStatus, JobOutcome, assess
from curator.outputs import outbox
from curator.outputs.ics_http import PUBLIC_WITHOUT_TOKEN, is_loopback
from curator.scheduler import Service, ServiceOptions
from curator.store import Database
from curator.types import (
    Digest,
    DigestSettings,
    DigestState,
    Feed,
    FeedStatus,
    Profile,
)
from tests.support.http import FeedServer, Route
from tests.support.ingest import Clock, config_text, rss
from tests.support.serve import communicate_or_show_stacks
from tests.support.smtp import smtp_server

# --- configuration ---------------------------------------------------------------------------
# A number outside its documented range (README, feeds.yaml reference) is refused when the file
# is read, naming the line and the key; before, `horizon_days: 1000000000` overflowed the
# planner ten seconds in, `weight: .nan` broke a database constraint at the next fetch and
# `serve.port: 99999` crashed the server.

_PROFILE = "profiles:\n  - name: p\n    objective: o\n"


def _config_with(field: str, value: str) -> str:
    """A minimal feeds.yaml whose last line sets `field` (as the error names it) to `value`."""
    section, _, key = field.rpartition(".")
    if section.startswith("profiles[0]."):
        return f"{_PROFILE}    {section.removeprefix('profiles[0].')}:\n      {key}: {value}\n"
    if section == "feeds[0]":
        return f"feeds:\n  - url: https://example.org/feed.xml\n    {key}: {value}\n"
    return f"{section}:\n  {key}: {value}\n"


# (field, too small, too large, takes fractions: NaN and infinity apply)
_RANGES = [
    ("profiles[0].schedule.horizon_days", "0", "1000000000", False),
    ("profiles[0].schedule.weekly_minutes", "0", "10081", False),
    ("profiles[0].schedule.min_score", "-0.1", "1.5", True),
    ("profiles[0].schedule.max_age_days", "0.01", "3651", True),
    ("profiles[0].schedule.relay_minutes", "0", "1441", False),
    ("profiles[0].schedule.original_minutes", "0", "1441", False),
    ("profiles[0].schedule.min_comment_chars", "0", "3001", False),
    ("profiles[0].schedule.same_source_gap", "-1", "11", False),
    ("profiles[0].digest.max_items", "0", "501", False),
    ("profiles[0].digest.min_score", "-1", "2", True),
    ("profiles[0].scoring.freshness_half_life_hours", "0.5", "10000", True),
    ("profiles[0].scoring.max_per_source", "0", "1001", False),
    ("profiles[0].scoring.diversity", "-0.5", "1.5", True),
    ("feeds[0].interval", "0", "31d", False),
    ("feeds[0].weight", "-1", "11", True),
    ("fetch.interval", "0", "100000000d", False),
    ("fetch.timeout", "0.01", "601", True),
    ("fetch.max_body", "512", "2GB", False),
    ("fetch.max_redirects", "-1", "21", False),
    ("fetch.concurrency", "0", "101", False),
    ("fetch.per_host", "0", "21", False),
    ("fetch.max_backoff", "0", "60d", False),
    ("fetch.disable_after_days", "0.001", "366", True),
    ("smtp.port", "0", "65536", False),
    ("smtp.timeout", "0.01", "601", True),
    ("calendar.alarm_minutes", "-1", "10081", False),
    ("calendar.refresh_minutes", "4", "10081", False),
    ("serve.port", "0", "99999", False),
    ("serve.digest_catchup_hours", "-1", "169", True),
]
_OUT_OF_RANGE = [
    pytest.param(field, value, id=f"{field}={value}")
    for field, small, large, fractional in _RANGES
    for value in (small, large, *((".nan", ".inf", "-.inf") if fractional else ()))
]


@pytest.mark.parametrize(("field", "value"), _OUT_OF_RANGE)
def test_a_number_out_of_its_range_is_refused_naming_line_and_key(field: str, value: str) -> None:
    text = _config_with(field, value)
    path = Path("/cfg/feeds.yaml")
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, path, env={})
    message = str(caught.value)
    line = text.count("\n")  # the key is on the last line
    assert message.startswith(f"{path}:{line} ({field}): "), message
    assert value in message, message  # the value as written, so it can be found
    assert "between" in message or "at most" in message, message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("profiles[0].schedule.horizon_days", "366"),
        ("profiles[0].schedule.min_score", "0"),
        ("profiles[0].scoring.diversity", "1"),
        ("feeds[0].weight", "10"),
        ("feeds[0].interval", "30d"),
        ("fetch.max_body", "1GB"),
        ("fetch.max_redirects", "0"),
        ("serve.port", "65535"),
        ("smtp.port", "1"),
        ("serve.digest_catchup_hours", "0"),
    ],
)
def test_the_bounds_themselves_are_accepted(field: str, value: str) -> None:
    parse_settings(_config_with(field, value), Path("/cfg/feeds.yaml"), env={})


def test_an_absurd_horizon_is_one_line_and_exit_1_from_the_command_line(tmp_path: Path) -> None:
    config = tmp_path / "feeds.yaml"
    config.write_text(_config_with("profiles[0].schedule.horizon_days", "1000000000"))
    done = subprocess.run(
        [sys.executable, "-m", "curator", "--config", str(config), "plan"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr == (
        f"curator: error: {config}:5 (profiles[0].schedule.horizon_days): "
        "must be between 1 and 366, got 1000000000\n"
    )
    assert not (tmp_path / "curator.db").exists()  # refused before anything was touched


def test_a_port_out_of_range_on_the_command_line_is_a_usage_error(tmp_path: Path) -> None:
    # feeds.yaml's serve.port has its range; the --port flag needs the same (OverflowError).
    config = tmp_path / "feeds.yaml"
    config.write_text(_PROFILE)
    done = subprocess.run(
        [sys.executable, "-m", "curator", "--config", str(config), "serve", "--port", "99999"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "OverflowError" not in done.stderr
    assert "'--port': 99999 is not in the range 0<=x<=65535" in done.stderr


# --- network ---------------------------------------------------------------------------------
# Each common network failure is stored on the feed as a plain reason, never as the name of an
# httpx exception ("ReadError: ReadError" before issue 13). Real sockets on 127.0.0.1 play the
# misbehaving servers.


class _RawServer:
    """A TCP server on 127.0.0.1 that reads each request, then does `behaviour` to the socket:
    "reset" (RST, by SO_LINGER 0), "close" (a clean close, no answer), "short" (headers that
    promise more body than is sent, then close) or "silent" (keep it open, answer nothing)."""

    def __init__(self, behaviour: str) -> None:
        import socket
        import threading

        self.behaviour = behaviour
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}/feed.xml"

    def _serve(self) -> None:
        import socket
        import struct

        while True:
            try:
                connection, _ = self._socket.accept()
            except OSError:
                return  # closed: the test is over
            connection.recv(65536)
            if self.behaviour == "reset":
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif self.behaviour == "short":
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                    b"Content-Length: 5000\r\n\r\n<rss version='2.0'><channel>"
                )
            elif self.behaviour == "silent":
                self._open.append(connection)
                continue
            connection.close()

    def __enter__(self) -> _RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._socket.close()
        for connection in self._open:
            connection.close()


def _fetch_one(url: str, **settings: object) -> str | None:
    """Fetch `url` as a feed with the real fetcher; the reason it failed (None: it did not)."""
    import asyncio
    from datetime import UTC, datetime

    from curator.ingest.fetch import Fetcher
    from curator.types import FetchSettings

    async def run() -> str | None:
        options = FetchSettings(**{"timeout_seconds": 2.0, **settings})  # type: ignore[arg-type]
        async with Fetcher(options) as fetcher:
            result = await fetcher.fetch_feed(url, now=datetime(2026, 3, 1, tzinfo=UTC))
        return result.error

    return asyncio.run(run())


def test_a_connection_reset_is_stored_and_listed_in_plain_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from curator.cli import main

    monkeypatch.setenv("COLUMNS", "200")  # the feeds table on one line per feed

    with _RawServer("reset") as server:
        config = tmp_path / "feeds.yaml"
        config.write_text(f"feeds:\n  - url: {server.url}\n    name: Blog RH\n")
        code = main(["--config", str(config), "fetch"])
        out, _ = capsys.readouterr()
    assert code == 1  # not a single feed could be fetched
    assert "  failed: Blog RH: connection reset by the server\n" in out, out
    assert main(["--config", str(config), "feeds", "list", "--json"]) == 0
    (feed,) = json.loads(capsys.readouterr().out)
    assert (feed["last_error"], feed["error_count"]) == ("connection reset by the server", 1)
    assert main(["--config", str(config), "feeds", "list"]) == 0
    listed = capsys.readouterr().out
    assert "connection reset by the server" in listed and "Error" not in listed, listed


@pytest.mark.parametrize(
    ("behaviour", "reason"),
    [
        ("reset", "connection reset by the server"),
        ("close", "the server closed the connection without answering"),
        ("short", "the server closed the connection before the end of the document"),
        ("silent", "timed out waiting for the server to answer"),
    ],
)
def test_a_misbehaving_server_gets_a_plain_reason(behaviour: str, reason: str) -> None:
    with _RawServer(behaviour) as server:
        assert _fetch_one(server.url, timeout_seconds=0.5) == reason


def test_a_refused_connection_names_the_address() -> None:
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert _fetch_one(f"http://127.0.0.1:{port}/feed.xml") == (
        f"cannot connect: connection refused (nothing listens at 127.0.0.1:{port})"
    )


def test_a_name_that_does_not_exist_is_a_dns_failure() -> None:
    # .invalid never resolves (RFC 2606), with or without a network
    assert _fetch_one("http://feeds.example.invalid/rss") == (
        "cannot resolve feeds.example.invalid: no such host"
    )


def test_a_certificate_nobody_vouches_for_is_a_tls_failure(tmp_path: Path) -> None:
    from tests.support.http import FeedServer
    from tests.support.smtp import make_certificate

    certificate = make_certificate(tmp_path)
    if certificate is None:
        pytest.skip("openssl is not installed: cannot make a test certificate")
    with FeedServer(certificate=certificate) as server:
        reason = _fetch_one(server.route("/feed.xml", body=b"<rss/>"))
    assert reason is not None and reason.startswith(
        "TLS certificate refused (CERTIFICATE_VERIFY_FAILED: "
    ), reason


def test_too_many_redirects_says_how_many() -> None:
    from tests.support.http import FeedServer, Route

    with FeedServer() as server:
        for hop in range(4):
            server.route(f"/r{hop}", Route(status=302, headers={"Location": f"/r{hop + 1}"}))
        reason = _fetch_one(server.url("/r0"), max_redirects=2)
    assert reason == "too many redirects (more than 2)"


@pytest.mark.parametrize(
    ("reason", "french"),
    [
        ("connection reset by the server", "le site a coupé la connexion"),
        (
            "the server closed the connection without answering",
            "le site a fermé la connexion avant de répondre",
        ),
        ("connection broken while reading the answer", "la connexion a été interrompue"),
        (
            "TLS certificate refused (CERTIFICATE_VERIFY_FAILED: self-signed certificate)",
            "connexion sécurisée refusée (CERTIFICATE_VERIFY_FAILED: self-signed certificate)",
        ),
        ("cannot resolve feeds.example.invalid: no such host",
         "nom de domaine introuvable\u00a0: feeds.example.invalid"),
    ],
)  # fmt: skip
def test_network_reasons_read_in_french(reason: str, french: str) -> None:
    from curator.outputs.words import explain_feed_error

    assert explain_feed_error(reason, "fr") == french


# --- hostile content -------------------------------------------------------------------------
# Whatever a feed sends must not break storage or the outputs: control characters (a NUL made
# a feed fail on every fetch on PostgreSQL), sizes (a 2 MB title made a 2 MB .ics), article
# pages by the thousand, redirects into the local network, URLs that are scripts.


def _hostile_app(tmp_path: Path, db: object, feeds: list[str], **fetch: object) -> object:
    """A Curator over `db` (a migrated Database) following `feeds`, at a fixed time."""
    from datetime import UTC, datetime

    from curator.app import Curator
    from tests.support.ingest import Clock, config_text

    path = tmp_path / "feeds.yaml"
    text = config_text(feeds, fetch=fetch or None).replace(
        "    timezone: Europe/Paris\n",
        "    timezone: Europe/Paris\n    schedule:\n      slots:\n"
        + "".join(
            f"        - {{day: {day}, time: '08:30', kind: relay}}\n"
            for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        ),
    )
    path.write_text(text, encoding="utf-8")
    settings = parse_settings(text, path, env={})
    return Curator(settings, db, clock=Clock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)))  # type: ignore[arg-type]


_RSS_WITH_CONTROLS = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
    b"<title>Blog\x00 RH\x1b</title><link>http://example.test/</link>"
    b"<item><guid>r1</guid><link>http://example.test/r1</link>"
    b"<title>Recrutement\x00 tech\x07</title>"
    b"<description>Premier paragraphe.\x00\n\nSecond\x0b paragraphe\x7f.</description>"
    b"<author>claire\x00@example.test (Claire)</author>"
    b"<pubDate>Mon, 02 Mar 2026 08:00:00 GMT</pubDate></item></channel></rss>"
)
_JSON_WITH_CONTROLS = (
    b'{"version": "https://jsonfeed.org/version/1.1", "title": "Veille\\u0000 data",'
    b' "items": [{"id": "j1", "url": "http://example.test/j1",'
    b' "title": "Donn\\u00e9es\\u0000 et \\ud800recrutement\\u009b",'
    b' "content_text": "Ligne un\\u0000\\r\\nLigne\\ttwo\\u0001",'
    b' "authors": [{"name": "Sam\\u0000 \\u001bMartin"}],'
    b' "date_published": "2026-03-02T08:00:00Z"}]}'
)


def test_control_characters_never_reach_storage(
    tmp_path: Path, any_db: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A NUL, other control characters and a lone surrogate in a leniently read RSS feed and in
    a JSON Feed: stored without them on SQLite and PostgreSQL alike, fetch after fetch; tabs
    and line breaks stay in multi-line text."""
    from sqlalchemy import select

    from curator.store.models import FeedRow, ItemRow
    from tests.support.http import FeedServer, Route

    with FeedServer() as server:
        rss = server.route("/rss", Route(body=_RSS_WITH_CONTROLS))
        json_feed = server.route(
            "/json", Route(body=_JSON_WITH_CONTROLS, headers={"Content-Type": "application/json"})
        )
        app = _hostile_app(tmp_path, any_db, [rss, json_feed])
        first = app.fetch()  # type: ignore[attr-defined]
        second = app.fetch(all=True)  # type: ignore[attr-defined]
    assert [r.outcome.value for r in first.feeds] == ["fetched", "fetched"], first.feeds
    assert [r.error for r in second.feeds] == [None, None], second.feeds
    with app.db.session() as session:  # type: ignore[attr-defined]
        items = {row.guid: row for row in session.scalars(select(ItemRow))}
        feeds = {row.url: row for row in session.scalars(select(FeedRow))}
    assert items["r1"].title == "Recrutement tech"
    assert items["r1"].summary == "Premier paragraphe.\n\nSecond paragraphe."
    assert items["r1"].author is not None and "\x00" not in items["r1"].author
    assert items["j1"].title == "Données et recrutement"
    assert items["j1"].content == "Ligne un\nLigne two"  # the parser makes tabs spaces
    assert items["j1"].author == "Sam Martin"
    assert (feeds[rss].title, feeds[json_feed].title) == ("Blog RH", "Veille data")
    assert (feeds[rss].error_count, feeds[json_feed].error_count) == (0, 0)


def test_a_huge_title_and_description_are_capped_in_storage_and_outputs(
    tmp_path: Path, any_db: object
) -> None:
    """A 2 MB title and a 3 MB description (before issue 13: a 2 MB .ics, a 22,000-line
    calendar): stored within the documented sizes, so every output stays small."""
    from sqlalchemy import select

    from curator.ingest.sanitize import SUMMARY_CHARS, TITLE_CHARS
    from curator.store.models import ItemRow
    from tests.support.http import FeedServer, Route

    title = ("Recrutement tech " * 120_000)[:2_000_000]
    description = ("Une description sans fin sur le recrutement. " * 70_000)[:3_000_000]
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Gros</title>'
        "<item><guid>g1</guid><link>http://example.test/g1</link>"
        f"<title>{title}</title><description>{description}</description>"
        "<pubDate>Mon, 02 Mar 2026 07:00:00 GMT</pubDate></item></channel></rss>"
    ).encode()
    with FeedServer() as server:
        url = server.route("/feed.xml", Route(body=body))
        app = _hostile_app(tmp_path, any_db, [url], max_body="20MB", allow_private_addresses=True)
        report = app.fetch()  # type: ignore[attr-defined]
    assert report.fetched == 1, report.feeds
    with app.db.session() as session:  # type: ignore[attr-defined]
        row = session.scalars(select(ItemRow)).one()
        stored_title, stored_summary, item_id = row.title, row.summary, row.id
    assert len(stored_title) <= TITLE_CHARS and stored_title.endswith("…")
    assert stored_title.startswith("Recrutement tech Recrutement tech")
    assert len(stored_summary) <= SUMMARY_CHARS and stored_summary.endswith("…")
    app.score()  # type: ignore[attr-defined]
    app.approve("claire", item_id, "Un commentaire assez long pour que le relais soit prêt.")  # type: ignore[attr-defined]
    app.plan()  # type: ignore[attr-defined]
    ics = app.calendar_ics("claire")  # type: ignore[attr-defined]
    assert b"Recrutement tech" in ics  # the item is in the plan...
    assert len(ics) < 20_000, len(ics)  # ...and the calendar stays small


def test_article_pages_are_capped_per_feed_and_run(tmp_path: Path, any_db: object) -> None:
    """A feed of teasers asks for one article page per new entry: at most
    `fetch.full_text_per_feed` of them per run (the first entries, the newest)."""
    from curator.types import FetchSettings
    from tests.support.http import FeedServer, Route
    from tests.support.ingest import rss

    page = b"<html><body><article>" + b"<p>Un long paragraphe sur le recrutement.</p>" * 50
    with FeedServer() as server:
        entries = [
            {
                "title": f"Teaser {i}",
                "link": server.route(f"/a/{i}", Route(body=page + b"</article></body></html>")),
                "guid": f"t{i}",
                "description": "Le recrutement change… Lire la suite",
            }
            for i in range(12)
        ]
        url = server.route("/feed.xml", Route(body=rss(entries)))
        app = _hostile_app(tmp_path, any_db, [url], full_text_per_feed=5)
        first = app.fetch()  # type: ignore[attr-defined]
        app.fetch(all=True)  # type: ignore[attr-defined]
        asked = [i for i in range(12) if server.hits(f"/a/{i}")]
    assert first.feeds[0].new_items == 12
    assert asked == [0, 1, 2, 3, 4]
    assert first.full_text_ok + first.full_text_failed == 5
    assert FetchSettings().full_text_per_feed == 30  # the default the README documents


class _InsideServer:
    """An HTTP server on 127.0.0.2 that answers every GET with a feed and counts them: the
    "private" side of the redirect tests (Linux routes all of 127/8 to the loopback)."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.hits: list[str] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                if self.path == "/start":  # moved within the intranet
                    self.send_response(302)
                    self.send_header("Location", "/moved")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b"<rss version='2.0'><channel><title>Inside</title></channel></rss>"
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.2:{self._httpd.server_address[1]}{path}"

    def __enter__(self) -> _InsideServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def public_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seam of the DNS-rebinding test (tests/test_ingest_fetch.py): names under
    .example.invalid resolve, for the guard only, to 127.0.0.1, which counts as public here;
    every other address (127.0.0.2 included) stays private."""
    from curator.ingest import fetch as fetch_module
    from curator.ingest.fetch import Fetcher

    async def resolve(self: Fetcher, host: str) -> list[str]:
        return ["127.0.0.1"] if host.endswith(".example.invalid") else [host]

    monkeypatch.setattr(Fetcher, "_resolve", resolve)
    monkeypatch.setattr(fetch_module, "is_public_address", lambda address: address == "127.0.0.1")


def test_a_public_feed_cannot_redirect_to_a_private_address(
    tmp_path: Path, public_dns: None
) -> None:
    from curator.store.models import FeedRow
    from tests.support.http import FeedServer, Route

    with FeedServer() as outside, _InsideServer() as inside:
        outside.route("/feed.xml", Route(status=302, headers={"Location": inside.url("/admin")}))
        url = f"http://feeds.example.invalid:{outside.port}/feed.xml"
        app = _hostile_app(tmp_path, _sqlite(tmp_path), [url], allow_private_addresses=False)
        report = app.fetch()  # type: ignore[attr-defined]
        assert len(outside.hits("/feed.xml")) == 1  # the public hop was made...
        assert inside.hits == []  # ...the private one never
    reason = "refused a redirect from a public address to the private address 127.0.0.2 (127.0.0.2)"
    assert [r.error for r in report.feeds] == [reason]
    with app.db.session() as session:  # type: ignore[attr-defined]
        feed = session.get(FeedRow, 1)
        assert feed is not None and (feed.last_error, feed.error_count) == (reason, 1)


def _sqlite(tmp_path: Path) -> object:
    from curator.store import Database

    return Database.open(f"sqlite:///{tmp_path / 'curator.db'}")


@pytest.mark.parametrize(
    ("start", "target", "allow_private"),
    [
        ("inside", "inside", False),  # an intranet feed redirecting within the intranet
        ("public name", "public name", False),  # a public feed moving to another public name
        ("public address", "inside", True),  # fetch.allow_private_addresses lets all through
    ],
)
def test_redirects_that_stay_allowed(
    public_dns: None, start: str, target: str, allow_private: bool
) -> None:
    from tests.support.http import FeedServer, Route

    with FeedServer() as outside, _InsideServer() as inside:
        outside.route("/feed.xml", Route(body=b"<rss version='2.0'><channel></channel></rss>"))
        starts = {
            "inside": inside.url("/start"),  # answered by a redirect to /moved
            "public name": f"http://feeds.example.invalid:{outside.port}/start",
            "public address": outside.url("/start"),  # 127.0.0.1: public here
        }
        targets = {
            "inside": inside.url("/moved"),
            "public name": f"http://news.example.invalid:{outside.port}/feed.xml",
        }
        outside.route("/start", Route(status=302, headers={"Location": targets[target]}))
        reason = _fetch_one(starts[start], allow_private_addresses=allow_private)
        assert reason is None
        assert ("/moved" in inside.hits) == (target == "inside")
        assert bool(outside.hits("/feed.xml")) == (target == "public name")


def test_a_public_to_private_redirect_reads_in_french() -> None:
    from curator.outputs.words import explain_feed_error

    reason = "refused a redirect from a public address to the private address 10.0.0.5 (nas)"
    assert explain_feed_error(reason, "fr") == (
        "redirection d’une adresse publique vers l’adresse privée 10.0.0.5 refusée"
    )


def _planned_slot(tmp_path: Path) -> tuple[object, str]:
    """A Curator with a plan (one relay slot a day, empty) and the id of its first slot."""
    app = _hostile_app(tmp_path, _sqlite(tmp_path), [])
    app.plan()  # type: ignore[attr-defined]
    slots = app.calendar("claire").slots  # type: ignore[attr-defined]
    assert slots
    return app, slots[0].id


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/post",
        "https://",
        "https://www.linkedin.com/posts/my post",
        "https://example.org/\x00",
        "https://example.org/" + "a" * 3000,
    ],
)
def test_slot_done_records_only_web_addresses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    from curator.cli import main
    from curator.types import SlotStatus

    app, slot_id = _planned_slot(tmp_path)
    config = str(tmp_path / "feeds.yaml")
    code = main(["--config", config, "slot", "done", slot_id, "--url", url])
    err = capsys.readouterr().err
    assert code == 1
    # claire speaks French (issue 16)
    assert err.startswith("curator : erreur : pas une adresse web : ") and err.count("\n") == 1, err
    assert err.endswith("donnez l'URL http:// ou https:// de la publication\n")
    assert app.get_slot(slot_id).status is not SlotStatus.PUBLISHED  # type: ignore[attr-defined]


def test_slot_done_records_a_web_address(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from curator.cli import main

    app, slot_id = _planned_slot(tmp_path)
    url = "https://www.linkedin.com/posts/claire_recrutement-activity-1"
    config = str(tmp_path / "feeds.yaml")
    # the slot is empty: --force records it anyway (issue 15)
    assert main(["--config", config, "slot", "done", slot_id, "--url", f" {url} ", "--force"]) == 0
    capsys.readouterr()
    assert app.get_slot(slot_id).published_url == url  # type: ignore[attr-defined]


def test_a_stored_script_url_never_reaches_the_calendar(tmp_path: Path) -> None:
    """A URL stored unchecked (by an older curator) stays out of the .ics: neither its URL
    field nor its description shows it."""
    from sqlalchemy import update

    from curator.store.models import SlotRow

    app, slot_id = _planned_slot(tmp_path)
    app.slot_done(slot_id, url="https://example.org/post", force=True)  # type: ignore[attr-defined]
    assert b"https://example.org/post" in app.calendar_ics("claire")  # type: ignore[attr-defined]
    with app.db.session() as session:  # type: ignore[attr-defined]
        session.execute(
            update(SlotRow).where(SlotRow.id == slot_id).values(published_url="javascript:alert(1)")
        )
    ics = app.calendar_ics("claire")  # type: ignore[attr-defined]
    assert b"javascript" not in ics.lower()


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Para one.\x00\r\n\r\nPara\ttwo\x1b[0m\x85.", 100, "Para one.\n\nPara\ttwo[0m."),
        ("surrogate \ud800 gone", 100, "surrogate  gone"),
        ("word " * 30, 40, "word word word word word word word…"),  # cut between words
        ("x" * 200, 50, "x" * 49 + "…"),
        ("\x00" * 20 + "lost", 10, "…"),  # past twice the limit, a text is not looked at
    ],
)
def test_storable_text(text: str, limit: int, expected: str) -> None:
    from curator.ingest.sanitize import storable_text

    assert storable_text(text, limit) == expected
    assert len(storable_text(text, limit)) <= limit


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://example.org/article?id=1", True),
        ("https://example.org/" + "a" * 2000, True),
        ("https://example.org/" + "a" * 2100, False),
        ("https://example.org/" + "é" * 1000, False),  # 6,000 characters once percent-encoded
        ("https://example.org/\x00", False),
    ],
)
def test_storable_url(url: str, kept: bool) -> None:
    from curator.ingest.sanitize import storable_url

    assert (storable_url(url) == url) is kept


# --- storage ---------------------------------------------------------------------------------

CONFIG = """\
profiles:
  - name: claire
    objective: Recrutement tech, profils data et développeurs.
    language: fr
    timezone: Europe/Paris
fetch:
  allow_private_addresses: true
feeds:
  - url: {url}
    name: Local
    full_text: never
"""


def curator(
    folder: Path, *args: str, db: str | None = None, user: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`curator` in a process of its own, on folder/feeds.yaml (and folder/curator.db)."""
    command = [sys.executable, "-m", "curator", "--config", str(folder / "feeds.yaml")]
    if user is not None:
        _clear_stale_faketime_memory()
        command = ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", *command]
    if db is not None:
        command += ["--db", db]
    return subprocess.run(
        [*command, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _clear_stale_faketime_memory() -> None:
    """Under `make test-clocks`, libfaketime 0.9.10 gives every process a semaphore and a shared
    page in /dev/shm named by its pid, and a killed process leaves them behind. A process
    started as another user cannot open its parent's, makes its own, and dies ("sem_open failed
    and recreation attempts failed") when a dead process with the same pid left one: pids come
    round again in a long run. Remove those of processes that are gone."""
    if "faketime" not in os.environ.get("LD_PRELOAD", ""):
        return
    for path in Path("/dev/shm").glob("*faketime_*_*"):
        pid = path.name.rsplit("_", 1)[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            path.unlink(missing_ok=True)


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The error line, after checking that it is the only one and the exit code is 1."""
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture
def folder() -> Iterator[Path]:
    """A folder every user may enter: tests that need a read-only database run curator as
    `nobody` when they run as root (root writes whatever the permissions say)."""
    path = Path(tempfile.mkdtemp(prefix="curator-faults-"))
    path.chmod(0o755)
    yield path
    path.chmod(0o755)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def stored(folder: Path) -> Iterator[Path]:
    """folder/curator.db with one fetched feed of 30 items; yields the folder."""
    entries = [
        {
            "title": f"Recrutement data : tendance {n}",
            "link": f"http://example.test/{n}",
            "guid": f"g{n}",
            "description": "Les profils data et développeurs sont recherchés. " * 5,
        }
        for n in range(30)
    ]
    with FeedServer() as server:
        server.route("/feed.xml", Route(body=rss(entries)))
        (folder / "feeds.yaml").write_text(CONFIG.format(url=server.url("/feed.xml")))
        done = curator(folder, "fetch", "--all")
        assert done.returncode == 0, done.stderr
    yield folder


def _plain_config(folder: Path) -> None:
    (folder / "feeds.yaml").write_text(CONFIG.format(url="http://127.0.0.1:9/feed.xml"))


def test_a_garbage_database_file_is_named_as_damaged(folder: Path) -> None:
    _plain_config(folder)
    (folder / "curator.db").write_bytes(b"these are not the bytes of a database\n" * 100)
    line = one_line(curator(folder, "queue", "list"))
    assert line == (
        f"curator: error: {folder / 'curator.db'} is not a curator database or is damaged: "
        "restore it from a backup"
    )


def test_a_truncated_database_file_is_named_as_damaged(stored: Path) -> None:
    path = stored / "curator.db"
    size = path.stat().st_size
    with path.open("r+b") as f:
        f.truncate(size // 3)
    line = one_line(curator(stored, "feeds", "list"))
    assert line == (
        f"curator: error: {path} is not a curator database or is damaged: restore it from a backup"
    )


def test_a_foreign_sqlite_file_is_not_a_curator_database(folder: Path) -> None:
    _plain_config(folder)
    with sqlite3.connect(folder / "curator.db") as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
    line = one_line(curator(folder, "status"))
    assert line.startswith(
        f"curator: error: {folder / 'curator.db'} is not a curator database or is damaged"
    )


def test_a_database_from_a_newer_curator_asks_for_an_upgrade(stored: Path) -> None:
    with sqlite3.connect(stored / "curator.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00dfeedcafe'")
    line = one_line(curator(stored, "queue", "list"))
    assert line == (
        f"curator: error: database {stored / 'curator.db'} was made by a newer curator "
        "(schema revision f00dfeedcafe is unknown to this version): upgrade curator"
    )


def _other_user() -> str | None:
    return "nobody" if os.geteuid() == 0 else None


def _pending_item(folder: Path) -> str:
    with sqlite3.connect(folder / "curator.db") as conn:
        (item_id,) = conn.execute("SELECT min(id) FROM items").fetchone()
    return str(item_id)


READ_COMMANDS = [("queue", "list"), ("feeds", "list"), ("status",), ("calendar",)]


@pytest.mark.parametrize("read_only", ["file", "folder"])
def test_a_read_only_database_names_what_is_read_only_and_still_reads(
    stored: Path, read_only: str
) -> None:
    assert curator(stored, "score").returncode == 0
    item = _pending_item(stored)
    path = stored / "curator.db"
    user = _other_user()
    if read_only == "file":
        path.chmod(0o444)
        if user:  # the folder stays writable for the other user too
            stored.chmod(0o777)
        what = f"le fichier {path} est en lecture seule"
    else:
        path.chmod(0o666)
        stored.chmod(0o555)
        what = (
            f"son dossier {stored} est en lecture seule "
            "(SQLite écrit son journal à côté du fichier)"
        )
    for command in READ_COMMANDS:
        done = curator(stored, *command, user=user)
        assert done.returncode == 0, (command, done.stderr)
        assert done.stderr == ""
    line = one_line(curator(stored, "queue", "reject", item, user=user))
    # the queue is about claire, who speaks French (issue 16)
    assert line == (
        f"curator : erreur : impossible d'écrire dans la base de données {path} : {what} ; "
        "seules les commandes qui lisent (queue list, status, calendar, feeds list) y fonctionnent"
    )


def test_a_database_locked_past_the_busy_timeout_is_one_line(stored: Path) -> None:
    path = stored / "curator.db"
    # Another program holds the write lock and does not let go.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "c.execute('BEGIN IMMEDIATE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        # Readers never wait for a writer.
        assert curator(stored, "queue", "list").returncode == 0
        done = curator(stored, "fetch", "--all", db=f"sqlite:///{path}?timeout=1")
    finally:
        holder.communicate("")
    line = one_line(done)
    assert line == (
        f"curator: error: database {path} is still locked by another program after waiting "
        "for it: try again once the other curator command has finished "
        "(or wait longer with ?timeout=SECONDS in the database URL)"
    )


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A real 1 MB file system (tmpfs): filling it is a real full disk, ENOSPC included."""
    mount = Path(tempfile.mkdtemp(prefix="curator-full-"))
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        mount.rmdir()
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)
        mount.rmdir()


def test_a_full_disk_during_a_fetch_is_recorded_on_the_feed(small_disk: Path) -> None:
    entries = [
        {
            "title": f"Recrutement data : tendance {n}",
            "link": f"http://example.test/{n}",
            "guid": f"g{n}",
            "description": f"Entrée {n}. " + "Les profils data et développeurs. " * 40,
        }
        for n in range(400)
    ]
    with FeedServer() as server:
        server.route("/feed.xml", Route(body=rss(entries)))
        (small_disk / "feeds.yaml").write_text(CONFIG.format(url=server.url("/feed.xml")))
        assert curator(small_disk, "feeds", "list").returncode == 0  # creates the database
        # Fill the disk but for a few pages.
        filler = small_disk / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        os.truncate(filler, filler.stat().st_size - 64 * 1024)
        done = curator(small_disk, "fetch", "--all")
    path = small_disk / "curator.db"
    reason = (
        f"not stored: cannot write to database {path}: the disk is full; free some space and retry"
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "INSERT" not in done.stderr
    assert done.stderr.splitlines() == [
        f"ERROR curator.ingest.service: storing {server.url('/feed.xml')} failed: "
        + reason.removeprefix("not stored: "),
        "curator: error: no feed could be fetched (see above)",
    ]
    listed = curator(small_disk, "feeds", "list")
    assert listed.returncode == 0, listed.stderr
    assert "errors" in listed.stdout and " 1 " in listed.stdout.splitlines()[1]
    assert "the disk is full" in listed.stdout


# --- service ---
# The service tells the truth (issue 13 §5): job lines without -v, /healthz that says degraded
# or failing, no calendars on a public address without a token, workers that ignore a
# `curator/` folder in the current directory, a digest that says why it was not sent, and a
# client that hangs up mid-response (§3).

_SERVICE_NOW = datetime(2026, 3, 28, 7, 0, tzinfo=UTC)  # a Saturday, 08:00 in Paris
_CURATOR = Path(sys.executable).with_name("curator")  # the console script people run
# A loaded test machine can take seconds to answer 127.0.0.1: these tests are not about timeouts.
_PATIENT: dict[str, object] = {"timeout": 30}


def _feed(feed_id: int, *, errors: int = 0, status: FeedStatus = FeedStatus.ACTIVE) -> Feed:
    return Feed(
        id=feed_id,
        url=f"https://example.org/{feed_id}.xml",
        name=f"feed {feed_id}",
        status=status,
        error_count=errors,
        last_error="HTTP 500" if errors else None,
    )


def _digest(state: DigestState, error: str | None = None) -> Digest:
    return Digest("claire", date(2026, 3, 28), state, "<m@curator>", last_error=error)


@pytest.mark.parametrize(
    ("feeds", "runs", "digests", "expected", "reason"),
    [
        pytest.param([], {}, [], HealthStatus.OK, None, id="nothing-configured-yet"),
        pytest.param(
            [_feed(1), _feed(2)],
            {"refresh": JobOutcome("ok")},
            [_digest(DigestState.SENT)],
            HealthStatus.OK,
            None,
            id="all-well",
        ),
        pytest.param(
            [_feed(1, errors=3), _feed(2)],
            {"refresh": JobOutcome("ok")},
            [],
            HealthStatus.DEGRADED,
            "1 of 2 feeds failing: feed 1 (HTTP 500)",
            id="some-feeds-failing",
        ),
        pytest.param(
            [_feed(1), _feed(2)],
            {"refresh": JobOutcome("crashed", "OperationalError: database is locked")},
            [],
            HealthStatus.DEGRADED,
            "last refresh run crashed: OperationalError: database is locked",
            id="last-refresh-crashed",
        ),
        pytest.param(
            [_feed(1)],
            {"digest:claire": JobOutcome("error", "smtp: connection refused")},
            [],
            HealthStatus.DEGRADED,
            "last digest:claire run error: smtp: connection refused",
            id="digest-job-error",
        ),
        pytest.param(
            [_feed(1)],
            {},
            [_digest(DigestState.FAILED, "550 mailbox unavailable")],
            HealthStatus.DEGRADED,
            "digest of claire for 2026-03-28 failed: 550 mailbox unavailable",
            id="digest-failed",
        ),
        pytest.param(
            [_feed(1)],
            {},
            [_digest(DigestState.SENDING, "connection lost after DATA")],
            HealthStatus.DEGRADED,
            "digest of claire for 2026-03-28 in doubt: connection lost after DATA",
            id="digest-in-doubt",
        ),
        pytest.param(
            [_feed(i, errors=2) for i in range(1, 8)] + [_feed(8, status=FeedStatus.GONE)],
            {"refresh": JobOutcome("ok")},
            [],
            HealthStatus.FAILING,
            "8 of 8 feeds failing",
            id="every-feed-failing",
        ),
    ],
)
def test_health_says_which_of_ok_degraded_failing_and_why(
    feeds: list[Feed],
    runs: dict[str, JobOutcome],
    digests: list[Digest],
    expected: HealthStatus,
    reason: str | None,
) -> None:
    health = assess(feeds, runs, digests)
    assert health.status is expected
    assert health.http_status == (503 if expected is HealthStatus.FAILING else 200)
    if reason is None:
        assert health.reasons == ()
    else:
        assert any(r.startswith(reason) for r in health.reasons), health.reasons


def test_health_names_a_few_failing_feeds_and_counts_the_rest() -> None:
    health = assess([_feed(i, errors=1) for i in range(1, 10)] + [_feed(10)], {})
    assert health == Health(
        HealthStatus.DEGRADED,
        (
            "9 of 10 feeds failing: feed 1 (HTTP 500), feed 2 (HTTP 500), feed 3 (HTTP 500), "
            "feed 4 (HTTP 500), feed 5 (HTTP 500) and 4 more",
        ),
    )


@pytest.fixture
def feed_site() -> Iterator[StaticServer]:
    with StaticServer() as server:
        yield server


def _site_feeds(site: StaticServer, count: int) -> list[str]:
    """`count` small feeds of three items each, published on `site`; their URLs."""
    pages = {}
    for i in range(count):
        items = [
            {"guid": f"g{i}-{j}", "title": f"Recrutement {i} {j}", "link": f"{site.base_url}/{j}"}
            for j in range(3)
        ]
        pages[f"/f{i}.xml"] = (rss(items), "application/rss+xml")
    site.publish(pages)
    return [f"{site.base_url}/f{i}.xml" for i in range(count)]


def _service_app(tmp_path: Path, feeds: list[str], extra: str = "") -> Curator:
    path = tmp_path / "feeds.yaml"
    path.write_text(config_text(feeds, fetch=_PATIENT) + extra, encoding="utf-8")
    settings = parse_settings(path.read_text("utf-8"), path, env={})
    db = Database.open(f"sqlite:///{tmp_path / 'curator.db'}")
    return Curator(settings, db, clock=Clock(datetime.now(UTC)))


def test_healthz_answers_503_failing_when_every_feed_fails(
    tmp_path: Path, feed_site: StaticServer
) -> None:
    # Nothing is published: every feed answers 404.
    app = _service_app(tmp_path, [f"{feed_site.base_url}/missing{i}.xml" for i in range(3)])
    try:
        report = app.fetch(all=True)
        assert report.to_dict(per_feed=False)["failed"] == 3
        status, headers, body = Service(app, ServiceOptions()).handle_get("/healthz", {})
    finally:
        app.close()
    health = json.loads(body)
    assert (status, health["status"]) == (503, "failing")
    assert health["reasons"][0].startswith("3 of 3 feeds failing")
    assert headers["Content-Type"].startswith("application/json")


def test_healthz_answers_200_degraded_when_some_feeds_fail(
    tmp_path: Path, feed_site: StaticServer
) -> None:
    urls = [*_site_feeds(feed_site, 2), f"{feed_site.base_url}/missing.xml"]
    app = _service_app(tmp_path, urls)
    try:
        app.fetch(all=True)
        status, _headers, body = Service(app, ServiceOptions()).handle_get("/healthz", {})
    finally:
        app.close()
    health = json.loads(body)
    assert (status, health["status"]) == (200, "degraded")
    assert health["reasons"][0].startswith("1 of 3 feeds failing")


def test_healthz_answers_503_failing_when_the_state_cannot_be_read(tmp_path: Path) -> None:
    app = _service_app(tmp_path, [])
    try:
        with sqlite3.connect(tmp_path / "curator.db") as conn:
            conn.execute("DROP TABLE job_runs")  # a damaged database
        status, _headers, body = Service(app, ServiceOptions()).handle_get("/healthz", {})
    finally:
        app.close()
    health = json.loads(body)
    assert (status, health["status"]) == (503, "failing")
    assert "job_runs" in health["reasons"][0]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("curator.example.org", False),
    ],
)
def test_which_listening_addresses_count_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("host", "token", "allow", "expected"),
    [
        ("127.0.0.1", None, False, 200),
        ("0.0.0.0", None, False, 403),  # public, no token: refused
        ("0.0.0.0", None, True, 200),  # the user said so explicitly
        ("0.0.0.0", "s3cret", False, 200),  # the token protects it
    ],
)
def test_calendars_on_a_public_address_need_a_token_or_an_explicit_flag(
    tmp_path: Path, host: str, token: str | None, allow: bool, expected: int
) -> None:
    extra = f"serve: {{token: {token}}}\n" if token else ""
    app = _service_app(tmp_path, [], extra)
    try:
        service = Service(app, ServiceOptions(host=host, allow_public_calendars=allow))
        query = f"?token={token}" if token else ""
        status, _headers, body = service.handle_get(f"/calendar/claire.ics{query}", {})
    finally:
        app.close()
    assert status == expected, body
    if expected == 403:
        assert body.decode().strip() == PUBLIC_WITHOUT_TOKEN


class _Serve:
    """`curator serve` as people start it (the console script), its stderr collected."""

    def __init__(
        self,
        tmp_path: Path,
        config: Path,
        *args: str,
        cwd: Path | None = None,
        verbose: bool = False,
    ) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
        database = f"sqlite:///{tmp_path / 'curator.db'}"
        options = ["--config", str(config), "--db", database] + (["-v"] if verbose else [])
        command = [str(_CURATOR), *options, "serve", "--port", "0", *args]
        self.proc = subprocess.Popen(
            command,
            cwd=cwd or tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.port = 0
        assert self.proc.stderr is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.lines.append(line)
            match = re.search(r"listening on http://[^ ]+:(\d+)", line)
            if match:
                self.port = int(match.group(1))
                return
        self.proc.kill()
        raise AssertionError("curator serve did not start:\n" + "".join(self.lines))

    def wait_for_line(self, check: Callable[[str], bool], seconds: float = 60) -> str:
        assert self.proc.stderr is not None
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            self.lines.append(line)
            if check(line):
                return line
        raise AssertionError("no such line in the log:\n" + "".join(self.lines))

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        self.lines.append(communicate_or_show_stacks(self.proc)[1])
        return "".join(self.lines)


def _job_line(job: str) -> Callable[[str], bool]:
    def check(line: str) -> bool:
        try:
            record = json.loads(line)
        except ValueError:
            return False
        # A finished run carries its duration; "skipped-still-running" lines do not.
        return isinstance(record, dict) and record.get("job") == job and "seconds" in record

    return check


def _config(tmp_path: Path, feeds: list[str], extra: str = "") -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(config_text(feeds, fetch=_PATIENT) + extra, encoding="utf-8")
    return path


@pytest.mark.slow
def test_serve_logs_one_json_line_per_job_without_v(
    tmp_path: Path, feed_site: StaticServer
) -> None:
    config = _config(tmp_path, _site_feeds(feed_site, 1))
    service = _Serve(tmp_path, config)
    try:
        line = service.wait_for_line(_job_line("refresh"))
    finally:
        log = service.stop()
    record = json.loads(line)
    assert record["status"] == "ok" and record["new_items"] == 3 and record["fetched"] == 1
    assert isinstance(record["seconds"], float)
    assert service.proc.returncode == 0, log


@pytest.mark.slow
def test_serve_from_a_folder_holding_another_curator_package_still_parses(
    tmp_path: Path, feed_site: StaticServer
) -> None:
    # A project of the user's that happens to be called curator, in the current directory.
    # Six feeds: enough for worker processes; the service's threads make them come from the
    # fork server, which used to import this folder instead of curator.
    (tmp_path / "curator").mkdir()
    (tmp_path / "curator" / "__init__.py").write_text("", encoding="utf-8")
    config = _config(tmp_path, _site_feeds(feed_site, 6))
    service = _Serve(tmp_path, config, cwd=tmp_path)
    try:
        line = service.wait_for_line(_job_line("refresh"))
    finally:
        log = service.stop()
    record = json.loads(line)
    assert (record["status"], record["fetched"], record["new_items"]) == ("ok", 6, 18), log
    assert "Traceback" not in log and "ImportError" not in log, log


@pytest.mark.slow
def test_fetch_from_a_folder_holding_a_curator_that_raises_succeeds(
    tmp_path: Path, feed_site: StaticServer
) -> None:
    (tmp_path / "curator").mkdir()
    (tmp_path / "curator" / "__init__.py").write_text(
        "raise RuntimeError('not the real curator')\n", encoding="utf-8"
    )
    config = _config(tmp_path, _site_feeds(feed_site, 6))
    env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
    done = subprocess.run(
        [str(_CURATOR), "--config", str(config), "--db", f"sqlite:///{tmp_path / 'c.db'}",
         "fetch", "--all"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "6 fetched" in done.stdout and "18 new items" in done.stdout, done.stdout


@pytest.mark.slow
def test_serve_on_a_public_address_without_token_warns_and_refuses_calendars(
    tmp_path: Path,
) -> None:
    config = _config(tmp_path, [])
    service = _Serve(tmp_path, config, "--host", "0.0.0.0")
    try:
        answer = httpx.get(f"http://127.0.0.1:{service.port}/calendar/claire.ics", timeout=10)
    finally:
        log = service.stop()
    assert "warning: 0.0.0.0 is not a loopback address and serve.token is not set" in log
    assert answer.status_code == 403 and answer.text.strip() == PUBLIC_WITHOUT_TOKEN


def _hang_up_early(port: int, path: str) -> None:
    """Ask for `path`, then close at once with a reset (SO_LINGER 0), before reading."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())


@pytest.mark.slow
def test_a_client_hanging_up_mid_response_leaves_no_traceback(tmp_path: Path) -> None:
    config = _config(tmp_path, [])
    service = _Serve(tmp_path, config, verbose=True)  # -v: even the info lines hold no traceback
    try:
        for _ in range(20):
            _hang_up_early(service.port, "/calendar/claire.ics")
            _hang_up_early(service.port, "/healthz")
        # Still serving afterwards.
        health = httpx.get(f"http://127.0.0.1:{service.port}/healthz", timeout=10)
    finally:
        log = service.stop()
    assert health.status_code == 200
    assert "Traceback" not in log and "Exception occurred" not in log, log
    assert service.proc.returncode == 0


@pytest.mark.slow
def test_sigusr1_prints_every_thread_s_stack_and_the_service_goes_on(tmp_path: Path) -> None:
    service = _Serve(tmp_path, _config(tmp_path, []))
    try:
        service.proc.send_signal(signal.SIGUSR1)
        service.wait_for_line(lambda line: "(most recent call first)" in line)
        # The main thread, waiting for a stop signal.
        service.wait_for_line(lambda line: "in run_until_signalled" in line)
        health = httpx.get(f"http://127.0.0.1:{service.port}/healthz", timeout=10)
    finally:
        log = service.stop()
    assert health.status_code == 200
    assert service.proc.returncode == 0, log


_DIGEST_CONFIG = """
profiles:
  - name: claire
    objective: Recrutement tech, profils data et développeurs.
    language: fr
    timezone: Europe/Paris
    digest: {{time: "07:30", to: [claire@example.org], min_score: 0.0, send_when_empty: true}}
smtp: {{host: 127.0.0.1, port: {port}, from: curator@example.org, security: none}}
"""


@dataclass
class _RunAt:
    app: Curator
    clock: Clock

    def digest_line(self, when: datetime) -> str:
        self.clock.now = when
        stages = {s.name: s.summary for s in self.app.run().stages}
        return stages["digest"]


@pytest.fixture
def run_at(tmp_path: Path) -> Iterator[Callable[[int], _RunAt]]:
    opened: list[Curator] = []

    def make(port: int) -> _RunAt:
        path = tmp_path / "feeds.yaml"
        path.write_text(_DIGEST_CONFIG.format(port=port), encoding="utf-8")
        settings = parse_settings(path.read_text("utf-8"), path, env={})
        clock = Clock(_SERVICE_NOW)
        app = Curator(settings, Database.open(f"sqlite:///{tmp_path / 'c.db'}"), clock=clock)
        app.sleep = lambda _seconds: None
        opened.append(app)
        return _RunAt(app, clock)

    yield make
    for app in opened:
        app.close()


def test_run_says_when_the_digest_is_due_and_when_it_was_already_sent(
    run_at: Callable[[int], _RunAt],
) -> None:
    with smtp_server() as server:
        runs = run_at(server.port)
        early = runs.digest_line(datetime(2026, 3, 28, 5, 0, tzinfo=UTC))  # 06:00 in Paris
        # A laptop that wakes at 09:00 for a 07:30 digest: within the catch-up window, sent.
        woke = runs.digest_line(datetime(2026, 3, 28, 8, 0, tzinfo=UTC))
        again = runs.digest_line(datetime(2026, 3, 28, 9, 0, tzinfo=UTC))
    assert early == "claire: not due until 07:30 (Europe/Paris)"
    assert woke == "claire: sent"
    assert again == "claire: today's digest was already sent"
    assert len(server.messages) == 1


def test_run_says_a_digest_was_missed_past_the_catch_up_window(
    run_at: Callable[[int], _RunAt],
) -> None:
    with smtp_server() as server:
        runs = run_at(server.port)
        late = runs.digest_line(datetime(2026, 3, 28, 14, 0, tzinfo=UTC))  # 15:00, 7.5 h late
    assert late.startswith("claire: today's 07:30 digest was missed: its time passed more than 6 h")
    assert "curator digest --send" in late
    assert server.messages == []


@pytest.mark.parametrize(
    ("local", "timing"),
    [
        (datetime(2027, 3, 28, 7, 29), outbox.Timing.NOT_YET),
        (datetime(2027, 3, 28, 7, 30), outbox.Timing.DUE),  # the night clocks went forward
        (datetime(2027, 3, 28, 13, 30), outbox.Timing.DUE),  # 6 h: still caught up
        (datetime(2027, 3, 28, 13, 31), outbox.Timing.MISSED),
        (datetime(2027, 10, 31, 13, 31), outbox.Timing.MISSED),  # the night they went back
    ],
)
def test_digest_timing_around_the_catch_up_window(local: datetime, timing: outbox.Timing) -> None:
    from zoneinfo import ZoneInfo

    profile = Profile(
        name="claire",
        objective="x",
        timezone="Europe/Paris",
        digest=DigestSettings(time=clock_time(7, 30)),
    )
    now = local.replace(tzinfo=ZoneInfo("Europe/Paris")).astimezone(UTC)
    assert outbox.digest_timing(profile, now, 6.0)[0] is timing
    assert (outbox.due_day(profile, now, 6.0) == local.date()) is (timing is outbox.Timing.DUE)
