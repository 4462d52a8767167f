"""`curator serve` gives back between jobs what a job built (issue 19). The resident memory
itself is measured by bench/fetch_scale.py --serve-memory; here, the behaviour behind it."""

from __future__ import annotations

import functools
import importlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from curator import lang, memory
from curator.app import Curator
from curator.errors import InvalidAction
from curator.scheduler import Service, ServiceOptions
from tests.support.ingest import open_curator

ROOT = Path(__file__).resolve().parents[1]

FRAGMENTED = """
import functools
import importlib
import json
from curator import memory

def rss_mb():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS:")) / 1024

# 240 MB in blocks the C allocator serves from its heap, then all but one in fifty freed: the
# survivors pin the heap, so none of it goes back to the system by itself.
blocks = [bytearray(4000) for _ in range(60_000)]
survivors = blocks[::50]
del blocks
before = rss_mb()
memory.release()
print(json.dumps({"before": before, "after": rss_mb(), "kept": len(survivors)}))
"""


@pytest.mark.skipif(memory._malloc_trim() is None, reason="glibc only: elsewhere nothing to trim")
def test_release_gives_freed_heap_pages_back_to_the_system() -> None:
    out = subprocess.run(
        [sys.executable, "-c", FRAGMENTED], cwd=ROOT, capture_output=True, text=True, check=True
    )
    figures = json.loads(out.stdout)
    assert figures["before"] > 200, figures  # the freed blocks were still resident
    assert figures["after"] < figures["before"] - 150, figures


def test_the_service_releases_memory_after_each_job(tmp_path: Path) -> None:
    app = open_curator(tmp_path, [])
    try:
        service = Service(app, ServiceOptions(port=0))
        job = service._job("load", lambda: lang._identifier())  # a job that loads the model
        job()
        assert lang._identifier.cache_info().currsize == 0  # not kept until the next tick
        runs = app.db.engine.connect().exec_driver_sql("SELECT job, status FROM job_runs")
        assert list(runs) == [("load", "ok")]
    finally:
        app.close()


BUILT: list[bytes] = []  # what a job built; a job run in a child process leaves it empty here


def _job_runs(app: Any) -> list[tuple[str, str, dict[str, Any]]]:
    with app.db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT job, status, detail FROM job_runs ORDER BY id")
        return [
            (job, status, detail if isinstance(detail, dict) else json.loads(detail))
            for job, status, detail in rows
        ]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_isolated_job_runs_in_a_child_that_takes_what_it_built_away(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    app = open_curator(tmp_path, [], db_url=url)
    try:
        with app.db.engine.connect() as conn:  # the parent's pooled connection, kept after the jobs
            before = conn.exec_driver_sql(_BACKEND[backend]).scalar()
        service = Service(app, ServiceOptions(port=0, isolate_jobs=True))
        service._job("build", functools.partial(_build, app))()
        service._job("refused", _refused)()
        service._job("killed", functools.partial(os._exit, 3))()
        assert BUILT == []
        runs = _job_runs(app)
        assert [(job, status) for job, status, _ in runs] == [
            ("build", "ok"), ("refused", "error"), ("killed", "crashed")
        ]  # fmt: skip
        assert runs[0][2]["pid"] != os.getpid() and runs[0][2]["built"] == 1
        assert runs[0][2]["feeds"] == 0
        assert runs[1][2] == {"error": "nothing to do"}
        assert "code 3" in runs[2][2]["error"]
        with app.db.engine.connect() as conn:  # the children left it open
            assert conn.exec_driver_sql(_BACKEND[backend]).scalar() == before
    finally:
        app.close()


def _build(app: Curator) -> dict[str, Any]:
    BUILT.append(bytes(10_000_000))
    return {"pid": os.getpid(), "built": len(BUILT), "feeds": len(app.feeds())}


def _refused() -> None:
    raise InvalidAction("nothing to do")


# Which server connection this is: the same after the jobs if no child closed it.
_BACKEND = {"sqlite": "SELECT 1", "postgresql": "SELECT pg_backend_pid()"}


def test_a_stop_request_reaches_an_isolated_job(tmp_path: Path) -> None:
    app = open_curator(tmp_path, [])
    try:
        service = Service(app, ServiceOptions(port=0, isolate_jobs=True))
        # the child's copy of the facade: set by SIGTERM from the parent, not by the parent
        job = service._job("wait", functools.partial(_wait_for_stop, app))
        running = threading.Thread(target=job)
        running.start()
        time.sleep(0.5)
        app.request_stop()
        running.join(30)
        assert not running.is_alive()
        assert _job_runs(app) == [("wait", "ok", {"stopped": True})]
    finally:
        app.close()


def _wait_for_stop(app: Curator) -> dict[str, bool]:
    return {"stopped": app.stopping.wait(60)}


def _where_am_i(app: Curator) -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "threads": sorted(t.name for t in threading.enumerate()),
        "feeds": len(app.feeds()),
    }


def test_serve_runs_a_job_in_a_child_without_the_web_thread(tmp_path: Path) -> None:
    app = open_curator(tmp_path, [])
    service = Service(app, ServiceOptions(port=0, isolate_jobs=True))
    service.start()  # the web server's thread and the scheduler's run here, with their jobs
    try:
        assert "curator-http" in {t.name for t in threading.enumerate()}
        service._job("where", functools.partial(_where_am_i, app))()
    finally:
        service.stop()
        app.close()
    where = [detail for job, _status, detail in _job_runs(app) if job == "where"]
    assert len(where) == 1 and where[0]["pid"] != os.getpid()
    assert where[0]["threads"] == ["MainThread"]  # nothing of the service's threads
    assert where[0]["feeds"] == 0


HELD_MODULE = """
import pathlib, threading, time
# Imported by a thread named import-holder, this module holds its import lock until the test
# writes the release file; imported anywhere else, it imports at once.
if threading.current_thread().name == "import-holder":
    release = pathlib.Path(__file__).with_name("release")
    deadline = time.monotonic() + 60
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
"""


def test_a_job_started_while_another_thread_imports_does_not_hang(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child forked from the service would inherit the module's import lock held by the
    thread, and hang importing it (1 refresh in 5 did); the job's process has no such lock."""
    modules = tmp_path / "modules"
    modules.mkdir()
    (modules / "curator_held_module.py").write_text(HELD_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(modules))
    app = open_curator(tmp_path, [])
    holder = threading.Thread(
        target=importlib.import_module, args=("curator_held_module",), name="import-holder"
    )
    try:
        service = Service(app, ServiceOptions(port=0, isolate_jobs=True))
        holder.start()
        deadline = time.monotonic() + 30
        while "curator_held_module" not in sys.modules and time.monotonic() < deadline:
            time.sleep(0.01)
        assert holder.is_alive()  # it holds the lock now
        job = threading.Thread(
            target=service._job(
                "import", functools.partial(importlib.import_module, "curator_held_module")
            )
        )
        job.start()
        job.join(30)
        hung = job.is_alive()
    finally:
        (modules / "release").touch()
        holder.join(60)
        if "job" in locals():
            job.join(60)
        app.close()
        sys.modules.pop("curator_held_module", None)
    assert not hung
    assert [(name, status) for name, status, _ in _job_runs(app)] == [("import", "ok")]
