"""`curator serve`: the long-running service. The only APScheduler import.

Jobs are thin: each calls one facade use case, and all state lives in the database, so a job
that runs twice, late, or after a restart does the right thing (fetch only what is due, send a
digest only if its outbox row says it was not sent). The scheduler itself keeps nothing.
"""

from __future__ import annotations

import functools
import json
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from curator.app import Curator
from curator.errors import CuratorError
from curator.outputs.ics_http import (
    calendar_path_profile,
    calendars_refused,
    is_loopback,
    not_found,
)
from curator.outputs.picks import route as picks_route
from curator.store.lock import ServiceLock

log = logging.getLogger("curator.service")

REFRESH_JOB = "refresh"
STOP_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    host: str = "127.0.0.1"
    port: int = 8421
    tick_seconds: float = 60.0  # how often due feeds are looked for
    # Serve calendars on a non-loopback address without `serve.token` (issue 13): off unless
    # the user says so, since anyone who can reach the address could read them.
    allow_public_calendars: bool = False
    # False when `curator worker` processes run the jobs on PostgreSQL (`serve --workers N`,
    # issue 17): the service then only serves HTTP and shows their queue in /healthz.
    jobs: bool = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-request (a calendar app closing its connection) is
        normal, not a fault: one debug line instead of socketserver's traceback on stderr
        (issue 13). Anything else is a bug and keeps its traceback, in the log."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            log.debug("http: %s from %s: %s", type(error).__name__, client_address[0], error)
            return
        log.exception("http: request from %s failed", client_address[0])


class Service:
    """Scheduler + HTTP endpoint + single-instance lock around one facade."""

    def __init__(self, app: Curator, options: ServiceOptions) -> None:
        self.app = app
        self.options = options
        self._stopped = threading.Event()
        self._lock = ServiceLock(app.db)
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=2)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone="UTC",
        )
        self._scheduler.add_listener(self._on_skipped, EVENT_JOB_MAX_INSTANCES)
        self._http: ThreadingHTTPServer | None = None
        self.public_without_token = not is_loopback(options.host) and not app.settings.serve.token
        self._refuse_calendars = self.public_without_token and not options.allow_public_calendars

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        self._lock.__enter__()
        try:
            self._start_http()
            self._add_jobs()
            self._scheduler.start()
        except BaseException:
            self._lock.__exit__(None, None, None)
            raise
        log.info(
            "%s",
            json.dumps({"event": "started", "http": self.address, "db": self.app.db.display_url}),
        )

    @property
    def address(self) -> str:
        if self._http is None:
            return ""
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        """Stop within STOP_TIMEOUT_SECONDS: running use cases finish their current unit of work."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.app.request_stop()
        started = time.monotonic()
        self._scheduler.shutdown(wait=True)
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        self._lock.__exit__(None, None, None)
        log.info(
            "%s",
            json.dumps({"event": "stopped", "seconds": round(time.monotonic() - started, 2)}),
        )

    def run_until_signalled(self, on_started: Callable[[], None] = lambda: None) -> None:
        """Start, then block until SIGTERM or SIGINT, then stop cleanly."""
        stop_requested = threading.Event()

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("%s", json.dumps({"event": "signal", "signal": signal.Signals(signum).name}))
            stop_requested.set()
            self.app.request_stop()  # running jobs see it at their next unit of work

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()  # may refuse (another service holds the lock): nothing to stop then
            try:
                on_started()
                while not stop_requested.wait(0.5):
                    pass
            finally:
                self.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    # --- jobs ----------------------------------------------------------------------------

    def _add_jobs(self) -> None:
        if not self.options.jobs:
            return
        tick = self.options.tick_seconds
        self._scheduler.add_job(
            self._job(REFRESH_JOB, self.app.refresh),
            IntervalTrigger(seconds=tick),
            id=REFRESH_JOB,
            name="fetch due feeds, then score, plan and export what changed",
            next_run_time=datetime.now(UTC),  # at start, then every tick (scheduler time is real)
            misfire_grace_time=max(1, int(tick)),
        )
        catchup = int(self.app.settings.serve.digest_catchup_hours * 3600)
        for profile in self.app.settings.profiles:
            digest_time = profile.digest.time
            name = profile.name
            self._scheduler.add_job(
                self._job(
                    f"digest:{name}",
                    functools.partial(self.app.send_due_digest, name, catch_up=False),
                ),
                CronTrigger(
                    hour=digest_time.hour,
                    minute=digest_time.minute,
                    timezone=ZoneInfo(profile.timezone),
                ),
                id=f"digest:{name}",
                name=f"daily digest for {name}",
                misfire_grace_time=max(1, catchup),
            )
            # Catch up on start: a digest missed while the service was down is sent once if its
            # time passed less than `digest_catchup_hours` ago (the outbox prevents a second one).
            self._scheduler.add_job(
                self._job(
                    f"digest-catchup:{name}",
                    functools.partial(self.app.send_due_digest, name, catch_up=True),
                ),
                id=f"digest-catchup:{name}",
                name=f"catch up the digest of {name}",
                next_run_time=datetime.now(UTC),
                # However late it starts: APScheduler's default grace of 1 s skipped it, and the
                # missed digest with it, when a busy machine took longer to start the scheduler.
                misfire_grace_time=None,
            )

    def _job(self, name: str, use_case: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            if self._stopped.is_set():
                return
            started = self.app.now()
            clock = time.monotonic()
            status, detail = "ok", {}
            try:
                result = use_case()
                detail = _as_detail(result)
            except CuratorError as e:
                status, detail = "error", {"error": str(e)}
            except Exception as e:  # a bug: keep the service alive, log the traceback
                log.exception("job %s crashed", name)
                status, detail = "crashed", {"error": f"{type(e).__name__}: {e}"}
            seconds = round(time.monotonic() - clock, 3)
            self.app.record_job_run(name, started, self.app.now(), status, detail)
            # Between jobs the service holds only what it needs to wait (issue 19).
            self.app.release_memory()
            log.info(
                "%s",
                json.dumps(
                    {"job": name, "status": status, "seconds": seconds, **detail},
                    default=str,
                    ensure_ascii=False,
                ),
            )

        return run

    def _on_skipped(self, event: JobExecutionEvent) -> None:
        log.info("%s", json.dumps({"job": event.job_id, "status": "skipped-still-running"}))

    def next_runs(self) -> dict[str, datetime | None]:
        return {job.id: job.next_run_time for job in self._scheduler.get_jobs()}

    # --- HTTP ----------------------------------------------------------------------------

    def _start_http(self) -> None:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._answer(send_body=True)

            def do_HEAD(self) -> None:
                self._answer(send_body=False)

            def _answer(self, *, send_body: bool) -> None:
                status, headers, body = service.handle_get(
                    self.path, {k.lower(): v for k, v in self.headers.items()}
                )
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if status != 304:  # RFC 9110 15.4.5: a 304 carries no Content-Length of its own
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if send_body and status != 304:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                log.debug("http %s", format % args)

        self._http = _Server((self.options.host, self.options.port), Handler)
        threading.Thread(target=self._http.serve_forever, name="curator-http", daemon=True).start()

    def handle_get(
        self, raw_path: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """Route a GET request (pure over the facade, so it can be tested without sockets)."""
        url = urlsplit(raw_path)
        if url.path == "/healthz":
            health = self.app.health(next_runs=self.next_runs())
            if not self.options.jobs and "jobs" in health:  # the database answered
                health["task_queue"] = self.app.task_queue()
            body = json.dumps(health, default=str, ensure_ascii=False, indent=2).encode()
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "Cache-Control": "no-store",
            }
            return int(health["http_status"]), headers, body
        picked = picks_route(url.path)  # a profile's shared picks (issue 17)
        if picked is not None:
            key = parse_qs(url.query).get("key", [None])[0]
            return self.app.picks_http(*picked, key=key, if_none_match=headers.get("if-none-match"))
        profile = calendar_path_profile(url.path)
        if profile is not None:
            if self._refuse_calendars:
                return calendars_refused()
            token = parse_qs(url.query).get("token", [None])[0]
            return self.app.calendar_http(
                profile,
                token=token,
                if_none_match=headers.get("if-none-match"),
                if_modified_since=headers.get("if-modified-since"),
            )
        return not_found()


def _as_detail(result: Any) -> dict[str, Any]:
    if result is None:
        return {}
    if isinstance(result, dict):
        return result
    as_dict = getattr(result, "as_dict", None)
    if callable(as_dict):
        value = as_dict()
        return value if isinstance(value, dict) else {"result": value}
    return {"result": str(result)}
