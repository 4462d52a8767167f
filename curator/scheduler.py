"""`curator serve`: the long-running service. The only APScheduler import.

Jobs are thin: each calls one facade use case, and all state lives in the database, so a job
that runs twice, late, or after a restart does the right thing (fetch only what is due, send a
digest only if its outbox row says it was not sent). The scheduler itself keeps nothing.
"""

from __future__ import annotations

import faulthandler
import functools
import json
import logging
import signal
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import uvicorn
from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from curator.app import Curator
from curator.job_process import JobProcesses, outcome
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


class StopSignals:
    """SIGTERM and SIGINT, while in the block, as a stop request that the main thread waits for.

    The handler only records the signal. Python runs a handler in the main thread between two
    of its bytecodes, whatever that thread holds then: a handler that set a `threading.Event`
    the main thread was waiting on could land inside `Event.wait`, under the event's own lock,
    and wait for it forever (the service once hung on SIGTERM that way). So the main thread
    polls for the recorded signal with sleeps, which hold no lock, and takes it from there.

    SIGUSR1 meanwhile prints every thread's stack to stderr and changes nothing else, so a
    service that seems stuck can be asked where it is (`kill -USR1 <pid>`).
    """

    def __init__(self, poll_seconds: float = 0.2) -> None:
        self.poll_seconds = poll_seconds
        self.received: list[signal.Signals] = []  # appended by the handler: takes no lock
        self._previous: dict[signal.Signals, Any] = {}

    def __enter__(self) -> StopSignals:
        for sig in (signal.SIGTERM, signal.SIGINT):
            self._previous[sig] = signal.signal(sig, self._record)
        # faulthandler writes from C, in the handler itself: it takes no lock Python could hold.
        faulthandler.register(signal.SIGUSR1, all_threads=True)
        return self

    def __exit__(self, *_exc: object) -> None:
        faulthandler.unregister(signal.SIGUSR1)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _record(self, signum: int, _frame: FrameType | None) -> None:
        self.received.append(signal.Signals(signum))

    def wait(self) -> signal.Signals:
        """Block until a stop signal arrives (at most `poll_seconds` after it); that signal."""
        while not self.received:
            time.sleep(self.poll_seconds)
        return self.received[0]


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    host: str = "127.0.0.1"
    port: int = 8421
    tick_seconds: float = 60.0  # how often due feeds are looked for
    # Serve calendars on a non-loopback address without `serve.token` (issue 13): off unless
    # the user says so, since anyone who can reach the address could read them.
    allow_public_calendars: bool = False
    # Run each job in a process of its own, which exits when the job is done (issue 19,
    # `curator.job_process`): between jobs the service holds only what it needs to wait.
    # `curator serve` turns it on; jobs must then be picklable (facade methods are).
    isolate_jobs: bool = False
    # False when `curator worker` processes run the jobs on PostgreSQL (`serve --workers N`,
    # issue 17): the service then only serves HTTP and shows their queue in /healthz.
    jobs: bool = True


#: Builds the ASGI app the service serves from the service's own routes (/healthz, calendars):
#: `curator serve` passes the web workspace's `create_app` (issue 14); tests may pass nothing.
WebFactory = Callable[[Sequence[BaseRoute]], ASGIApp]


class Service:
    """Scheduler + HTTP endpoint + single-instance lock around one facade."""

    def __init__(
        self, app: Curator, options: ServiceOptions, *, web: WebFactory | None = None
    ) -> None:
        self.app = app
        self._web = web
        self.options = options
        self._stopped = threading.Event()
        self._lock = ServiceLock(app.db)
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=2)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone="UTC",
        )
        self._scheduler.add_listener(self._on_skipped, EVENT_JOB_MAX_INSTANCES)
        self._http: uvicorn.Server | None = None
        self._socket: socket.socket | None = None
        self._http_thread: threading.Thread | None = None
        self._job_processes = JobProcesses(app) if options.isolate_jobs and options.jobs else None
        self.public_without_token = not is_loopback(options.host) and not app.settings.serve.token
        self._refuse_calendars = self.public_without_token and not options.allow_public_calendars

    # --- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        self._lock.__enter__()
        try:
            if self._job_processes is not None:
                self._job_processes.start()  # before the first thread of ours
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
        if self._socket is None:
            return ""
        host, port = self._socket.getsockname()[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        """Stop within STOP_TIMEOUT_SECONDS: running use cases finish their current unit of work."""
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.app.request_stop()
        started = time.monotonic()
        self._scheduler.shutdown(wait=True)
        if self._http is not None and self._http_thread is not None:
            self._http.should_exit = True
            self._http_thread.join(STOP_TIMEOUT_SECONDS)
        if self._socket is not None:
            self._socket.close()
        self._lock.__exit__(None, None, None)
        log.info(
            "%s",
            json.dumps({"event": "stopped", "seconds": round(time.monotonic() - started, 2)}),
        )

    def run_until_signalled(
        self,
        on_started: Callable[[], None] = lambda: None,
        on_stopping: Callable[[], None] = lambda: None,
    ) -> None:
        """Start, then block until SIGTERM or SIGINT, then stop cleanly. `on_stopping` runs
        first, while the facade and the lock are still the service's."""
        with StopSignals() as signals:
            self.start()  # may refuse (another service holds the lock): nothing to stop then
            try:
                on_started()
                signum = signals.wait()
                log.info("%s", json.dumps({"event": "signal", "signal": signum.name}))
            finally:
                try:
                    on_stopping()
                finally:
                    self.stop()

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
            if self._job_processes is not None:
                status, detail = self._job_processes.run(name, use_case)
            else:
                status, detail = outcome(name, use_case)
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

    def routes(self) -> list[BaseRoute]:
        """/healthz and the calendars, answered by `handle_get`."""

        async def answer(request: Request) -> Response:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            headers = {k.lower(): v for k, v in request.headers.items()}
            status, extra, body = await run_in_threadpool(self.handle_get, path, headers)
            return Response(body, status, headers=extra)

        methods = ["GET", "HEAD"]
        return [
            Route("/healthz", answer, methods=methods),
            Route("/calendar/{name:path}", answer, methods=methods),
            # A profile's shared picks (issue 17): a feed reader has no session, so they live
            # outside the web workspace's /p/<profile>/ and carry their own key.
            Route("/picks/{name:path}", answer, methods=methods),
        ]

    def _start_http(self) -> None:
        """uvicorn in a thread of its own over the web workspace (or the service's routes
        alone). The socket is bound here, so a port in use fails `start` at once and port 0
        is known before anything is announced."""
        asgi: ASGIApp = (
            self._web(self.routes()) if self._web is not None else Starlette(routes=self.routes())
        )
        family = socket.AF_INET6 if ":" in self.options.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.options.host.strip("[]"), self.options.port))
            sock.listen(128)
        except BaseException:
            sock.close()
            raise
        self._socket = sock
        config = uvicorn.Config(
            asgi,
            log_config=None,  # keep curator's logging; uvicorn's own lines go to its loggers
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=int(STOP_TIMEOUT_SECONDS // 2),
        )
        self._http = uvicorn.Server(config)
        server = self._http
        self._http_thread = threading.Thread(
            target=lambda: server.run(sockets=[sock]), name="curator-http", daemon=True
        )
        self._http_thread.start()
        # Announced (and the first jobs started) once the server answers, not merely listens.
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        while not server.started and self._http_thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)

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
