"""Single commands answered by the running service (issue 19).

A command started on its own imports SQLAlchemy and its ORM before it reads a row: 0.26 to
0.31 s on two cores, most of the 300 ms a decision should take from start to answer.
`curator serve` has all of it loaded already. While it runs, it listens on a local socket, and
the quick commands (a decision, an item, a slot, the status) ask it to run them: the command
line parses the arguments as always, sends them, and prints what the service answers. Without
a service, or when anything keeps the service from answering, the command runs in its own
process as before: the socket is a way to be fast, never a way to fail.

- **Where.** One socket per configuration file and database flag, named by their hash, in a
  folder only the user can enter: `$XDG_RUNTIME_DIR/curator` (or `<tmp>/curator-<uid>`). The
  service creates it when it starts and removes it when it stops; a socket left by a service
  that was killed is refused at connect time and replaced by the next service.
- **Same process, same answer.** The service runs the very command line, in the user's
  language and clock: it answers only when the client's locale, time zone and `CURATOR_*`
  variables are the service's, and when both are the same version of curator; otherwise it
  says so and the command runs itself. It also declines while feeds.yaml says something else
  than what it read at start (a command on its own would read the file as it is now). The
  service's facade is shared, so the command sees the service's database.
- **Never twice.** Once a request is sent, the client waits for its answer and never runs the
  command itself: a service that dies in between leaves one clear error line, not a decision
  applied twice.
- **Not everything.** Commands that read a file or standard input, open an editor, or load the
  scorer stay in their own process (`curator.cli.RELAYED` lists the others). `CURATOR_RELAY=0`
  turns the relay off for one command or a whole shell.

This module imports only the standard library: the client side runs before anything heavy.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import socket
import socketserver
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from curator import __version__

log = logging.getLogger(__name__)

#: Variables that change what a command says or when it thinks it is: the client's must be the
#: service's for the service to answer (the language, the zone, curator's own settings).
_SAME_ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "TZ", "FAKETIME")
ENV_RELAY = "CURATOR_RELAY"
_MAX_SOCKET_PATH = 100  # sun_path holds 108 bytes on Linux, 104 on macOS
_MAX_REQUEST = 1 << 20


def environment_mark(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """The part of the environment a command's answer depends on."""
    return {
        k: v
        for k, v in environ.items()
        if (k in _SAME_ENVIRONMENT or k.startswith("CURATOR_")) and k != ENV_RELAY
    }


def _runtime_dir(environ: Mapping[str, str]) -> Path:
    runtime = environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_absolute():
        return Path(runtime) / "curator"
    return _tmp_dir()


def _tmp_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"curator-{os.getuid()}"


def socket_path(config: Path, db: str | None, environ: Mapping[str, str] = os.environ) -> Path:
    """The service's socket for a configuration file and `--db` (or CURATOR_DB): both as the
    command line gave them, the file made absolute, a relative SQLite path too."""
    db = db or environ.get("CURATOR_DB") or ""
    if db.startswith("sqlite:///") and not db.startswith("sqlite:////"):
        db = "sqlite:///" + str(Path(db[len("sqlite:///") :]).absolute())
    key = f"{Path(config).absolute()}\0{db}".encode()
    name = hashlib.sha256(key).hexdigest()[:24] + ".sock"
    path = _runtime_dir(environ) / name
    if len(str(path)) > _MAX_SOCKET_PATH:
        path = _tmp_dir() / name
    return path


def _private_dir(folder: Path, create: bool) -> bool:
    """Whether `folder` is ours alone (made so when `create`): nobody else may talk to the
    service or stand in for it."""
    try:
        if create:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = folder.lstat()
    except OSError:
        return False
    return st.st_uid == os.getuid() and (st.st_mode & 0o077) == 0 and folder.is_dir()


def enabled(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(ENV_RELAY, "1").strip().lower() not in ("0", "no", "false", "off")


# ---- the client ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    stdout: str
    stderr: str
    code: int


class ServiceLost(Exception):
    """The request was sent and the service stopped before answering: the command may have
    run there, so it must not run again here."""


def ask(path: Path, argv: list[str], environ: Mapping[str, str] = os.environ) -> Answer | None:
    """Run `argv` in the service listening at `path`. None when there is no service to ask or
    it declines (the command then runs here); ServiceLost when it stopped mid-answer."""
    if not _private_dir(path.parent, create=False):
        return None
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.settimeout(1.0)
        try:
            client.connect(str(path))
        except OSError as e:
            log.debug("no service at %s: %s", path, e)
            return None
        request = {"version": __version__, "argv": argv, "environment": environment_mark(environ)}
        try:
            client.sendall(json.dumps(request).encode() + b"\n")
            client.shutdown(socket.SHUT_WR)
        except OSError as e:
            log.debug("the service at %s did not take the request: %s", path, e)
            return None
        # Sent: from here the command may be running there. Wait as long as it takes.
        client.settimeout(None)
        raw = _read_all(client)
    finally:
        client.close()
    try:
        reply = json.loads(raw)
        if "declined" in reply:
            log.info("the service declined the command (%s): running it here", reply["declined"])
            return None
        answer = Answer(str(reply["stdout"]), str(reply["stderr"]), int(reply["code"]))
    except (ValueError, KeyError, TypeError):  # no answer, or half of one: it stopped
        raise ServiceLost from None
    log.info("answered by the service at %s", path)
    return answer


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    with contextlib.suppress(OSError):
        while chunk := sock.recv(1 << 16):
            chunks.append(chunk)
    return b"".join(chunks)


# ---- the service -----------------------------------------------------------------------------

Runner = Callable[[list[str]], int]


class _PerThread(io.TextIOBase):
    """sys.stdout or sys.stderr for the whole service: a thread running a relayed command
    writes to its own buffer, every other thread to the real stream."""

    def __init__(self, real: TextIO) -> None:
        self.real = real
        self.local = threading.local()

    def _target(self) -> TextIO:
        buffer: TextIO | None = getattr(self.local, "buffer", None)
        return buffer if buffer is not None else self.real

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def isatty(self) -> bool:
        return self._target().isatty()

    def fileno(self) -> int:
        return self.real.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8" if getattr(self.local, "buffer", None) is not None else self.real.encoding

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return "strict" if getattr(self.local, "buffer", None) is not None else self.real.errors

    @contextlib.contextmanager
    def captured(self) -> Iterator[io.StringIO]:
        buffer = io.StringIO()
        self.local.buffer = buffer
        try:
            yield buffer
        finally:
            self.local.buffer = None


_streams_lock = threading.Lock()


def _per_thread_streams() -> tuple[_PerThread, _PerThread]:
    with _streams_lock:
        if not isinstance(sys.stdout, _PerThread):
            sys.stdout = _PerThread(sys.stdout)
        if not isinstance(sys.stderr, _PerThread):
            sys.stderr = _PerThread(sys.stderr)
        return sys.stdout, sys.stderr


class _Handler(socketserver.StreamRequestHandler):
    server: _UnixServer
    # A client that connects and never finishes its request must not hold the others up (the
    # request is one line, sent at once); the command itself is not limited.
    timeout = 10

    def handle(self) -> None:
        try:
            raw = self.rfile.read(_MAX_REQUEST)
        except OSError:
            return
        try:
            request = json.loads(raw)
            argv = [str(a) for a in request["argv"]]
            version, environment = request["version"], dict(request["environment"])
        except (ValueError, KeyError, TypeError):
            self._reply({"declined": "not a request"})
            return
        if version != __version__:
            self._reply({"declined": f"the service runs curator {__version__}"})
            return
        if environment != environment_mark():
            self._reply({"declined": "another language, time zone or CURATOR_ setting"})
            return
        why = self.server.declines()
        if why:
            self._reply({"declined": why})
            return
        out, err = _per_thread_streams()
        with out.captured() as stdout, err.captured() as stderr:
            try:
                code = self.server.run(argv)
            except Exception:  # a bug in a command: the service lives on, the client is told
                log.exception("relayed command %s failed", argv)
                print("curator: error: the service failed to run the command", file=sys.stderr)
                code = 1
        self._reply({"stdout": stdout.getvalue(), "stderr": stderr.getvalue(), "code": code})

    def _reply(self, reply: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):  # the client gave up: nothing to tell
            self.wfile.write(json.dumps(reply).encode())


class _UnixServer(socketserver.UnixStreamServer):
    # One command at a time, in the order they came: a command's writes are the only ones on
    # its database from this side, as when commands run one after another.
    def __init__(self, path: Path, run: Runner, declines: Callable[[], str | None]) -> None:
        self.run = run
        self.declines = declines
        super().__init__(str(path), _Handler)


class Listener:
    """The service's side: a thread answering relayed commands with `run` (argv -> exit code)
    until `close()`. `declines`: why the service cannot answer for now (None when it can)."""

    def __init__(
        self, path: Path, run: Runner, declines: Callable[[], str | None] = lambda: None
    ) -> None:
        self.path = path
        self._server: _UnixServer | None = None
        self._thread: threading.Thread | None = None
        self._run = run
        self._declines = declines

    def open(self) -> bool:
        """Listen; False (and the service runs without) when the socket cannot be made."""
        if not _private_dir(self.path.parent, create=True):
            log.warning("commands are not relayed: %s is not private to you", self.path.parent)
            return False
        if self.path.exists() or self.path.is_symlink():
            if _answers(self.path):
                log.warning("commands are not relayed: another service answers at %s", self.path)
                return False
            with contextlib.suppress(OSError):
                self.path.unlink()  # left by a service that did not stop cleanly
        old_umask = os.umask(0o177)
        try:
            self._server = _UnixServer(self.path, self._run, self._declines)
        except OSError as e:
            log.warning("commands are not relayed: %s: %s", self.path, e)
            return False
        finally:
            os.umask(old_umask)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="curator-relay", daemon=True
        )
        self._thread.start()
        log.info("quick commands answered at %s", self.path)
        return True

    def close(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with contextlib.suppress(OSError):
            self.path.unlink()
        self._server = None


def _answers(path: Path) -> bool:
    """Whether a service listens at `path` (a socket left by a killed one refuses)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(1.0)
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True
