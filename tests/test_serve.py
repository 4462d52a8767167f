"""`curator serve` as a real subprocess: local feeds and SMTP, signals, restarts."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from curator.demo.server import StaticServer
from tests.support.serve import ServeProcess, wait_for
from tests.support.smtp import smtp_server

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
ZONE = "Europe/Paris"


def rss(items: list[tuple[str, str]], base: str) -> bytes:
    published = (datetime.now(UTC) - timedelta(hours=1)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    entries = "".join(
        f"<item><guid>{guid}</guid><title>{title}</title><link>{base}/a/{guid}</link>"
        f"<description>{title}. Recrutement tech, marché de l'emploi des développeurs "
        f"et des data engineers, salaires et télétravail.</description>"
        f"<pubDate>{published}</pubDate></item>"
        for guid, title in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Veille RH</title>'
        f"<link>{base}/</link><description>x</description>{entries}</channel></rss>"
    ).encode()


def count(db: Path, sql: str) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute(sql).fetchone()[0])


@pytest.fixture
def site() -> Iterator[StaticServer]:
    with StaticServer() as server:
        yield server


def test_serve_fetches_sends_the_digest_once_and_survives_restarts(
    tmp_path: Path, site: StaticServer
) -> None:
    items = [
        ("a1", "Recrutement tech : les délais s'allongent"),
        ("a2", "Salaires des data engineers"),
    ]
    site.publish({"/feed.xml": (rss(items, site.base_url), "application/rss+xml")})
    # The digest is due at the next local minute at least 20 s away: the cron trigger fires then.
    local_now = datetime.now(ZoneInfo(ZONE))
    digest_at = (local_now + timedelta(seconds=80)).replace(second=0, microsecond=0)
    with smtp_server() as smtp:
        config = tmp_path / "feeds.yaml"
        config.write_text(
            f"""
profiles:
  - name: claire
    objective: Recrutement tech, salaires des développeurs et data engineers, télétravail.
    language: fr
    timezone: {ZONE}
    schedule:
      slots: [{{day: mon, time: "08:30"}}, {{day: thu, time: "08:30", kind: original}}]
      min_score: 0.01
    digest: {{time: "{digest_at:%H:%M}", to: [claire@example.org], min_score: 0.0}}
feeds:
  - url: {site.base_url}/feed.xml
smtp: {{host: 127.0.0.1, port: {smtp.port}, from: curator@example.org}}
serve: {{token: s3cret}}
""",
            encoding="utf-8",
        )
        db = tmp_path / "curator.db"
        env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
        service = ServeProcess(config, db, env)
        try:
            wait_for(lambda: count(db, "SELECT COUNT(*) FROM items") == 2, 30, "the first fetch")
            wait_for(lambda: count(db, "SELECT COUNT(*) FROM scores") == 2, 30, "scoring")
            # The job's run is recorded once the whole tick (plan, export) is over.
            wait_for(
                lambda: count(db, "SELECT COUNT(*) FROM job_runs WHERE job = 'refresh'") >= 1,
                30,
                "the first refresh to be recorded",
            )

            health = httpx.get(f"{service.address}/healthz", timeout=5).json()
            assert health["jobs"]["refresh"]["last_run"]["status"] == "ok"
            assert health["failing_feeds"] == 0

            calendar_url = f"{service.address}/calendar/claire.ics"
            assert httpx.get(calendar_url, params={"token": "wrong"}, timeout=5).status_code == 403
            first = httpx.get(calendar_url, params={"token": "s3cret"}, timeout=5)
            assert first.status_code == 200 and first.content.startswith(b"BEGIN:VCALENDAR")
            assert first.headers["content-type"].startswith("text/calendar")
            again = httpx.get(
                calendar_url,
                params={"token": "s3cret"},
                headers={"If-None-Match": first.headers["etag"]},
                timeout=5,
            )
            assert again.status_code == 304 and again.content == b""

            second = subprocess.run(
                [sys.executable, "-m", "curator", "--config", str(config), "--db",
                 f"sqlite:///{db}", "serve", "--port", "0"],
                cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
            assert second.returncode == 1
            assert "already running" in second.stderr and "Traceback" not in second.stderr

            wait_for(lambda: len(smtp.messages) >= 1, 150, "the digest at its local time")
            time.sleep(3)  # a second send would come within the next ticks
            assert len(smtp.messages) == 1
            assert smtp.messages[0]["Message-ID"].startswith("<digest.claire.")
        finally:
            code, seconds = service.stop()
        assert code == 0, "".join(service.lines)
        assert seconds < 10

        # Published while the service was down; two hours later the feed is due again.
        items.append(("a3", "Télétravail : ce que les candidats demandent"))
        site.publish({"/feed.xml": (rss(items, site.base_url), "application/rss+xml")})
        restarted = ServeProcess(config, db, env | {"CURATOR_CLOCK_OFFSET": "7200"})
        try:
            wait_for(lambda: count(db, "SELECT COUNT(*) FROM items") == 3, 30, "the new item")
            wait_for(
                lambda: (
                    count(db, "SELECT COUNT(*) FROM job_runs WHERE job LIKE 'digest-catchup:%'")
                    >= 2
                ),
                30,
                "the digest catch-up on restart",
            )
        finally:
            code, seconds = restarted.stop()
        assert code == 0 and seconds < 10
    assert count(db, "SELECT COUNT(*) FROM items") == 3
    assert (
        count(db, "SELECT COUNT(*) FROM (SELECT feed_id, identity FROM items GROUP BY 1, 2)") == 3
    )
    assert count(db, "SELECT COUNT(*) FROM digests WHERE state = 'sent'") == 1
    assert len(smtp.messages) == 1, "the restart must not send the digest again"
    log = "".join(service.lines)
    assert '"job": "refresh"' in log and '"status": "ok"' in log


# Delivers SIGTERM at the k-th line Python runs inside `StopSignals.wait` (and whatever it calls),
# for every k up to argv[1]: each place the main thread can be when the signal lands. A handler
# that took a lock the waiting thread may hold (an Event's, inside Event.wait) hangs here for good.
_SIGNAL_AT_EVERY_LINE = """
import signal, sys
from curator.scheduler import StopSignals

def deliver_at(line):
    seen = 0
    def tracer(frame, event, arg):
        nonlocal seen
        if event == "line":
            seen += 1
            if seen == line:
                signal.raise_signal(signal.SIGTERM)
        return tracer
    return tracer

for line in range(1, int(sys.argv[1]) + 1):
    with StopSignals(poll_seconds=0.001) as signals:
        sys.settrace(deliver_at(line))
        try:
            received = signals.wait()
        finally:
            sys.settrace(None)
    assert received is signal.SIGTERM, (line, received)
print("stopped", line, "times")
"""


def test_a_stop_signal_is_taken_wherever_the_waiting_main_thread_is() -> None:
    lines = 60
    try:
        done = subprocess.run(
            [sys.executable, "-c", _SIGNAL_AT_EVERY_LINE, str(lines)],
            cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"the wait hung on a signal:\n{e.stdout!r}") from None
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"stopped {lines} times"
