"""Every fault curator is tested against, by area (issue 13): what goes wrong, and what the
user sees instead of a traceback."""

from __future__ import annotations

# --- service ---
# The service tells the truth (issue 13 §5): job lines without -v, /healthz that says degraded
# or failing, no calendars on a public address without a token, workers that ignore a
# `curator/` folder in the current directory, a digest that says why it was not sent, and a
# client that hangs up mid-response (§3).
import json
import os
import re
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
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
from tests.support.ingest import Clock, config_text, rss
from tests.support.smtp import smtp_server

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
        out = self.proc.communicate(timeout=30)[1]
        self.lines.append(out)
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
