"""Every fault curator is tested against, and the one line the user gets for each (issue 13).

Sections:
- storage: a damaged or foreign database file, one made by a newer curator, a read-only file
  or folder, a database locked past the busy timeout, a full disk during a fetch. Many
  processes at once on one database (the service, two runs, 200 queue commands) are tested
  in tests/test_concurrency.py.

Each test runs the real `curator` command on real files and checks the exact line and exit
code 1: never a traceback.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.http import FeedServer, Route
from tests.support.ingest import rss

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
        what = f"the file {path} is read-only"
    else:
        path.chmod(0o666)
        stored.chmod(0o555)
        what = f"its folder {stored} is read-only (SQLite writes its journal beside the file)"
    for command in READ_COMMANDS:
        done = curator(stored, *command, user=user)
        assert done.returncode == 0, (command, done.stderr)
        assert done.stderr == ""
    line = one_line(curator(stored, "queue", "reject", item, user=user))
    assert line == (
        f"curator: error: cannot write to database {path}: {what}; "
        "only commands that read (queue list, status, calendar, feeds list) work there"
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
