"""`curator serve` gives back between jobs what a job built (issue 19). The resident memory
itself is measured by bench/fetch_scale.py --serve-memory; here, the behaviour behind it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from curator import lang, memory
from curator.scheduler import Service, ServiceOptions
from tests.support.ingest import open_curator

ROOT = Path(__file__).resolve().parents[1]

FRAGMENTED = """
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
