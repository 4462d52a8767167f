"""The service's jobs, each in a process of its own that exits when the job is done (issue 19).

What a job builds (the scorer's libraries and matrices, the language model, the allocator's
fragmented heap) then goes back to the system whole, and between jobs `curator serve` holds only
what it needs to wait.

A job's process is not forked from the service: the service runs the web server and the
scheduler in threads, and a child forked while one of them held a lock (a module's import lock
hung a refresh) inherits it held forever. Children come from multiprocessing's fork server
instead: a fresh, single-threaded interpreter (started with fork+exec, which inherits no
thread) that has imported the facade once and forks a child per job. The child reopens the
facade from the service's settings, database URL and clock (`_reopen`), so nothing of the
service's connections, threads or locks crosses over.

This module imports no web or scheduler library: the fork server preloads it.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver
import os
import signal
import sys
from collections.abc import Callable
from multiprocessing import reduction
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from curator.errors import CuratorError

if TYPE_CHECKING:
    from curator.app import Clock, Curator
    from curator.config import Settings

log = logging.getLogger("curator.service")

#: Imported once by the fork server, so a job's child starts without importing them again; the
#: heavy libraries a job needs (scikit-learn, the language model) are imported by the job, in
#: the child, and leave with it.
PRELOAD = ["curator.job_process", "curator.app"]

#: The loggers whose set-up a job's child copies from the service, so its lines (a crashed job's
#: traceback, a feed's warning) look as they would in the service.
_LOGGERS = ("", "curator.service")


class JobProcesses:
    """Runs one job at a time in a child of the fork server, for the facade `app`."""

    def __init__(self, app: Curator) -> None:
        self.app = app
        self._context = multiprocessing.get_context("forkserver")
        # Only multiprocessing's own pickler learns the recipe: a facade sent to a child
        # travels as what reopens it (its connections and threads cannot travel).
        reduction.ForkingPickler.register(type(app), _facade_recipe)

    def start(self) -> None:
        """Start the fork server now, before the service starts any thread of its own, so
        the environment it is started with is not changed under another thread."""
        self._context.set_forkserver_preload(PRELOAD)
        start_fork_server()

    def run(self, name: str, use_case: Callable[[], Any]) -> tuple[str, dict[str, Any]]:
        """`outcome(name, use_case)` in a child process; a stop request reaches it as SIGTERM,
        and it stops at its next unit of work as the job would in the service."""
        receive, send = self._context.Pipe(duplex=False)
        child = self._context.Process(
            target=_child_main,
            # The facade and the use case travel in one pickle, so the child reopens the
            # facade once and the use case's bound methods call that one.
            args=(self.app, name, use_case, send, _logging_setup()),
            name=f"job {name}",
        )
        try:
            child.start()
        except Exception as e:  # the job cannot travel (an unpicklable use case): a bug
            receive.close()
            send.close()
            log.exception("job %s could not start its process", name)
            return "crashed", {"error": f"{type(e).__name__}: {e}"}
        send.close()
        try:
            return self._wait(child, receive)
        finally:
            receive.close()

    def _wait(
        self, child: multiprocessing.context.ForkServerProcess, receive: Connection
    ) -> tuple[str, dict[str, Any]]:
        # A stop request is passed on once the child listens for it (its first message):
        # before that, SIGTERM would kill it mid-start, and the job would look crashed.
        listening = stop_sent = False
        while True:
            while not receive.poll(0.2):
                if not child.is_alive() and not receive.poll():
                    break
                if self.app.stopping.is_set() and listening and not stop_sent:
                    child.terminate()
                    stop_sent = True
            try:
                message = receive.recv()
            except EOFError:  # it died without answering (killed, out of memory)
                child.join()
                return "crashed", {"error": f"the job's process ended with code {child.exitcode}"}
            if message == _LISTENING:
                listening = True
                continue
            child.join()
            answer: tuple[str, dict[str, Any]] = message
            return answer


def start_fork_server() -> None:
    """Start the fork server with the current directory off its import path (issue 13).

    It runs as `python -c ...`, which puts the current directory first on sys.path, and
    Python 3.11 ignores the sys.path it is handed: started from a folder holding a `curator/`
    of its own (a project named like this one), it imported that one, and every worker died
    with an ImportError. PYTHONSAFEPATH (3.11+) keeps the directory off the path; it is set
    only while the server starts, so nothing else curator runs inherits it.
    """
    previous = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        if previous is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = previous


def outcome(name: str, use_case: Callable[[], Any]) -> tuple[str, dict[str, Any]]:
    """Run a job's use case: its status and the detail recorded in job_runs."""
    status, detail = "ok", {}
    try:
        result = use_case()
        detail = _as_detail(result)
    except CuratorError as e:
        status, detail = "error", {"error": str(e)}
    except Exception as e:  # a bug: keep the service alive, log the traceback
        log.exception("job %s crashed", name)
        status, detail = "crashed", {"error": f"{type(e).__name__}: {e}"}
    return status, detail


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


_LISTENING = "listening"  # a child's first message: it takes SIGTERM as a stop request now

# --- in the child ---------------------------------------------------------------------------


def _facade_recipe(app: Curator) -> tuple[Callable[..., Curator], tuple[Any, ...]]:
    # The URL as given (a password included): it travels through the fork server's pipe, never
    # through a command line.
    return _reopen, (type(app), app.settings, app.db.url, app.clock)


def _reopen(kind: type[Curator], settings: Settings, url: str, clock: Clock) -> Curator:
    from curator.store import Database

    # The service migrated the database when it opened it.
    return kind(settings, Database.open(url, migrate=False), clock=clock)


def _child_main(
    app: Curator,
    name: str,
    use_case: Callable[[], Any],
    send: Connection,
    logging_setup: list[tuple[str, int, bool, list[logging.Formatter]]],
) -> None:
    # Setting the stop event takes its lock, which only a handler ever takes in this process
    # (a job reads the event with `is_set`, lock-free), so the handler cannot wait on itself.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: app.request_stop())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the service, which stops us
    _copy_logging(logging_setup)
    try:
        send.send(_LISTENING)
        send.send(outcome(name, use_case))
        send.close()
    finally:
        app.close()


def _logging_setup() -> list[tuple[str, int, bool, list[logging.Formatter]]]:
    setup = []
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        formatters = [
            h.formatter or logging.Formatter()
            for h in logger.handlers
            if isinstance(h, logging.StreamHandler) and h.stream in (sys.stderr, sys.__stderr__)
        ]
        setup.append((name, logger.level, logger.propagate, formatters))
    return setup


def _copy_logging(setup: list[tuple[str, int, bool, list[logging.Formatter]]]) -> None:
    for name, level, propagate, formatters in setup:
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.propagate = propagate
        for formatter in formatters:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(formatter)
            logger.addHandler(handler)


__all__ = ["PRELOAD", "JobProcesses", "outcome", "start_fork_server"]
