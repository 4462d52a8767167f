"""Quick commands answered by the running service (curator.cli.relay, issue 19).

A real `curator serve` on a real SQLite file, commands as real processes beside it: what the
service answers must be what the command says on its own, a decision must be stored once, and
every way the service can be missing, different or gone must leave the command working, or
failing in one line, never running twice.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from curator import __version__
from curator.cli import main, relay
from tests.support.review import make_world
from tests.support.serve import REPO, ServeProcess

ANSWERED = "answered by the service"


@pytest.fixture
def runtime_dir() -> Iterator[Path]:
    """A private XDG_RUNTIME_DIR with a short path (a socket's path holds ~100 bytes)."""
    with tempfile.TemporaryDirectory(prefix="cr") as folder:
        yield Path(folder)


@pytest.fixture
def own_environment(runtime_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This process as a command started in a plain shell: no CURATOR_ setting, its own
    runtime folder. Returns that folder."""
    for name in [k for k in os.environ if k.startswith("CURATOR_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime_dir))
    return runtime_dir


def _environment(runtime: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CURATOR_")}
    return env | {"XDG_RUNTIME_DIR": str(runtime)} | extra


def _curator(
    config: Path, db: Path, env: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "curator", "--config", str(config), "--db", f"sqlite:///{db}",
         "-v", *args],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def _decisions(db: Path, item_id: int) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT kind FROM decisions WHERE item_id = ? ORDER BY id", (item_id,)
        ).fetchall()
    return [str(kind) for (kind,) in rows]


@pytest.mark.slow
def test_quick_commands_are_answered_by_the_running_service(
    tmp_path: Path, runtime_dir: Path
) -> None:
    world = make_world(tmp_path, now=datetime.now(UTC))
    db = tmp_path / "curator.db"
    env = _environment(runtime_dir)
    first, second, third = world.ids[:3]
    alone = _curator(world.config, db, env, "queue", "show", str(first))
    assert alone.returncode == 0, alone.stderr
    assert ANSWERED not in alone.stderr

    service = ServeProcess(world.config, db, env | {"CURATOR_CLOCK_OFFSET": "0"})
    try:
        # The service's environment has a CURATOR_ setting the command's has not: it declines,
        # the command runs itself and says the same.
        declined = _curator(world.config, db, env, "queue", "show", str(first))
        assert declined.returncode == 0, declined.stderr
        assert "declined" in declined.stderr and ANSWERED not in declined.stderr
        assert declined.stdout == alone.stdout
    finally:
        service.stop()

    service = ServeProcess(world.config, db, env)
    try:
        # Ready when it says so: its socket is there before the "listening on" line.
        socket_file = relay.socket_path(world.config, f"sqlite:///{db}", env)
        assert socket_file.is_socket(), "the service said it listens before its socket"
        shown = _curator(world.config, db, env, "queue", "show", str(first))
        assert shown.returncode == 0, shown.stderr
        assert ANSWERED in shown.stderr
        # The same lines as the command on its own (the service has scored the queue again
        # since `alone`: compared with the command run beside it)
        on_its_own = env | {"CURATOR_RELAY": "0"}
        beside = _curator(world.config, db, on_its_own, "queue", "show", str(first))
        assert beside.returncode == 0 and ANSWERED not in beside.stderr, beside.stderr
        assert shown.stdout == beside.stdout

        approved = _curator(
            world.config, db, env, "queue", "approve", str(second),
            "--comment", "Les chiffres que mes clients me demandent.",
        )  # fmt: skip
        assert approved.returncode == 0, approved.stderr
        assert ANSWERED in approved.stderr and f"#{second}" in approved.stdout
        assert _decisions(db, second) == ["approve"]

        # An error the command meets in the service is said here, in one line, with its code.
        again = _curator(world.config, db, env, "queue", "approve", str(second))
        assert again.returncode == 1
        said = [line for line in again.stderr.splitlines() if not line.startswith("INFO ")]
        assert len(said) == 1 and str(second) in said[0], again.stderr
        assert ANSWERED in again.stderr
        assert _decisions(db, second) == ["approve"]

        # Several at once: each answered once, none lost.
        argv = [sys.executable, "-m", "curator", "--config", str(world.config), "--db"]
        with_others = [
            subprocess.Popen(
                [*argv, f"sqlite:///{db}", "-v", "queue", "reject", str(item_id)],
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for item_id in (third, world.ids[3])
        ]
        for proc in with_others:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0 and ANSWERED in err, err
        assert _decisions(db, third) == ["reject"] and _decisions(db, world.ids[3]) == ["reject"]

        # CURATOR_RELAY=0: the command runs itself beside the service.
        own = _curator(world.config, db, env | {"CURATOR_RELAY": "0"}, "queue", "undo", str(third))
        assert own.returncode == 0 and ANSWERED not in own.stderr, own.stderr
        assert _decisions(db, third) == []  # undone: the decision is removed
        socket_file = relay.socket_path(world.config, f"sqlite:///{db}", env)
        assert socket_file.exists()

        # feeds.yaml edited by hand: a comment at its end changes nothing, a setting does, and
        # the service, which read the file at start, leaves the command to read it as it is now.
        text = world.config.read_text(encoding="utf-8")
        world.config.write_text(text + "# my watch\n", encoding="utf-8")
        commented = _curator(world.config, db, env, "queue", "show", str(first))
        assert ANSWERED in commented.stderr, commented.stderr
        world.config.write_text(text.replace("Europe/Paris", "America/Montreal"), encoding="utf-8")
        edited = _curator(world.config, db, env, "queue", "show", str(first))
        assert edited.returncode == 0 and "feeds.yaml has changed" in edited.stderr, edited.stderr
        assert "America/Montreal" in edited.stdout and ANSWERED not in edited.stderr
    finally:
        code, _ = service.stop()
    assert code == 0
    assert not socket_file.exists(), "the socket outlived the service"
    after = _curator(world.config, db, env, "queue", "show", str(first))
    assert after.returncode == 0 and ANSWERED not in after.stderr, after.stderr


def _serve_once(path: Path, reply: bytes | None) -> threading.Thread:
    """A process's socket at `path` that takes one request and answers `reply` (None: closes
    without a word, as a service killed while running the command)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            while conn.recv(65536):
                pass
            if reply is not None:
                conn.sendall(reply)
        server.close()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    return thread


def test_a_service_gone_mid_command_is_one_error_line_and_no_second_run(
    tmp_path: Path,
    own_environment: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world = make_world(tmp_path)
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")  # the error line in English, whatever the machine
    path = relay.socket_path(world.config, world.db_url)
    thread = _serve_once(path, None)
    code = main(["--config", str(world.config), "--db", world.db_url, "queue", "reject", "2"])
    thread.join(10)
    assert code == 1
    err = capsys.readouterr().err
    assert "the service stopped before answering" in err and "Traceback" not in err
    assert _decisions(tmp_path / "curator.db", 2) == []  # not run here as well


def test_no_service_a_dead_socket_or_a_declining_service_leave_the_command_to_run_itself(
    tmp_path: Path, own_environment: Path
) -> None:
    world = make_world(tmp_path)
    args = ["--config", str(world.config), "--db", world.db_url]
    path = relay.socket_path(world.config, world.db_url)
    assert relay.ask(path, ["status"]) is None  # no folder, no socket

    # A socket left by a killed service: nobody listens.
    path.parent.mkdir(mode=0o700)
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(path))
    dead.close()
    assert main([*args, "queue", "reject", "2"]) == 0
    assert _decisions(tmp_path / "curator.db", 2) == ["reject"]

    # A service of another version declines: the command runs here.
    path.unlink()
    declined = json.dumps({"declined": "the service runs curator 0.0.1"}).encode()
    thread = _serve_once(path, declined)
    assert main([*args, "queue", "reject", "3"]) == 0
    thread.join(10)
    assert _decisions(tmp_path / "curator.db", 3) == ["reject"]


def test_the_listener_answers_this_version_and_environment_only(runtime_dir: Path) -> None:
    path = runtime_dir / "curator" / "t.sock"
    ran: list[list[str]] = []

    def run(argv: list[str]) -> int:
        ran.append(argv)
        print("out", *argv)
        print("err", file=sys.stderr)
        return 3

    listener = relay.Listener(path, run)
    assert listener.open()
    try:
        assert (path.parent.stat().st_mode & 0o777) == 0o700
        assert (path.stat().st_mode & 0o777) == 0o600
        answer = relay.ask(path, ["queue", "show", "1"])
        assert answer == relay.Answer("out queue show 1\n", "err\n", 3)

        other_zone = {**os.environ, "TZ": os.environ.get("TZ", "") + "X"}
        assert relay.ask(path, ["status"], other_zone) is None
        assert ran == [["queue", "show", "1"]]

        # A second service for the same socket keeps away from a live one.
        assert not relay.Listener(path, run).open()
        raw = _raw_request(path, {"version": "0.0.1", "argv": ["status"], "environment": {}})
        assert "declined" in json.loads(raw) and __version__ in json.loads(raw)["declined"]
    finally:
        listener.close()
    assert not path.exists()


def _raw_request(path: Path, request: dict[str, object]) -> bytes:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(str(path))
        client.sendall(json.dumps(request).encode())
        client.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := client.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_the_socket_is_named_by_configuration_and_database(tmp_path: Path) -> None:
    env = {"XDG_RUNTIME_DIR": "/run/user/1000"}
    one = relay.socket_path(tmp_path / "feeds.yaml", None, env)
    assert one.parent == Path("/run/user/1000/curator")
    assert one == relay.socket_path(tmp_path / "feeds.yaml", None, env)
    assert one != relay.socket_path(tmp_path / "other.yaml", None, env)
    assert one != relay.socket_path(tmp_path / "feeds.yaml", "sqlite:////x/curator.db", env)
    # CURATOR_DB names the database as --db does
    assert relay.socket_path(tmp_path / "feeds.yaml", "sqlite:////x.db", env) == relay.socket_path(
        tmp_path / "feeds.yaml", None, env | {"CURATOR_DB": "sqlite:////x.db"}
    )
    long_runtime = {"XDG_RUNTIME_DIR": "/" + "r" * 120}
    assert len(str(relay.socket_path(tmp_path / "feeds.yaml", None, long_runtime))) <= 100
