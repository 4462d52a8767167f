"""Work split over processes forked from this one, once the state they share is built (issue 17).

A full scoring pass scores each profile from the same item matrix and caches; once those exist,
one profile's work no longer depends on another's. `map_chunks` hands the profiles out in chunks
to this process and to children forked from it: a child inherits the matrix as it is, its pages
shared with the parent until one of them writes to them (copy-on-write), so nothing is copied
or sent but the results, pickled back through a pipe.

Forking is safe only from a process that runs no other thread: a child gets a copy of every
lock held at that instant, and a lock another thread held (an import lock, a logging handler's
lock) stays held in the child forever (see `job_process`). So `map_chunks` does the work in
this process alone when another thread is alive (`curator serve`'s web server and scheduler),
as it does outside Linux (macOS has fork, but its system libraries break in a forked child).

A child that fails raises its exception in the parent, its traceback attached; one that dies
(killed, out of memory) or does not answer in time becomes a `ProcessFailed`. The parent always
reaps its children, whatever happens to it: none is left behind as a zombie or running alone.

This module does no I/O of its own: what a child reads (the database) it opens in `child_setup`.
"""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import selectors
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from curator.errors import ProcessFailed
from curator.i18n import N_, Message

T = TypeVar("T")
R = TypeVar("R")

#: A child must answer within SLACK times what this process took over its own share, and never
#: sooner than MIN_WAIT seconds: the shares are alike, and a child that takes several times as
#: long is stuck, not slow (a deadlock would otherwise hang the pass forever).
SLACK = 4.0
MIN_WAIT = 120.0

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def can_fork() -> bool:
    """Whether work may be forked from here: on Linux (macOS's system libraries are not safe
    to use in a forked child, which is why multiprocessing spawns there), with no other thread
    running."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def map_chunks(
    work: Callable[[Sequence[T]], list[R]],
    inputs: Sequence[T],
    *,
    processes: int,
    chunk: int,
    child_setup: Callable[[], AbstractContextManager[object]] | None = None,
    wait: float | None = None,
) -> list[R]:
    """`work` over `inputs` cut in chunks of `chunk` consecutive inputs, one call per chunk,
    each call returning one result per input; the results in the order of `inputs`.

    With `processes` > 1, the chunks are dealt in turn to this process and to `processes` - 1
    children forked from it (chunk k to process k mod `processes`), unless there is a single
    chunk or forking is unsafe here (`can_fork`). A child runs `child_setup()` around its work
    (to open a connection of its own, say), and its results must pickle. `wait`: how long the
    children may take after this process began its own share, in seconds (by default from
    SLACK and MIN_WAIT).

    Raises:
        ProcessFailed: a child died, or did not answer in time.
        Exception: whatever `work` raised, in this process or in a child (with the child's
            traceback as a note).
    """
    if chunk < 1:
        raise ValueError("chunk must be at least 1")
    chunks = [inputs[start : start + chunk] for start in range(0, len(inputs), chunk)]
    processes = min(processes, len(chunks))
    if processes < 2 or not can_fork():
        return [r for c in chunks for r in work(c)]
    shares = [list(range(k, len(chunks), processes)) for k in range(processes)]
    children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
    results: dict[int, list[R]] = {}
    for stream in (sys.stdout, sys.stderr):  # else a child could write what the parent buffered
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    # What exists now is moved out of the collector's reach: a collection in a child would write
    # to every object's header and copy the parent's memory page by page.
    gc.freeze()
    parent = os.getpid()
    try:
        try:
            for share in shares[1:]:
                read, write = os.pipe()
                pid = os.fork()
                if pid == 0:  # pragma: no cover (the child never returns; its coverage is lost)
                    os.close(read)
                    for _, other in children:
                        os.close(other)
                    _child(work, [chunks[k] for k in share], child_setup, write, parent)
                os.close(write)
                children.append((pid, read))
        finally:
            gc.unfreeze()
        started = time.monotonic()
        # This process's own results are kept pickled too while the children run, as theirs
        # are: a thousand profiles' scores weigh ~0.9 GB as objects, ~0.15 GB pickled, and the
        # children's memory and these objects are then never held at once (issue 17).
        own = {k: pickle.dumps(work(chunks[k]), pickle.HIGHEST_PROTOCOL) for k in shares[0]}
        if wait is None:
            wait = max(MIN_WAIT, SLACK * (time.monotonic() - started))
        answers = _receive(children, started + wait, wait)
        for (pid, _), share in zip(children, shares[1:], strict=True):
            results.update(zip(share, _result(pid, answers[pid]), strict=True))
        while own:
            k, data = own.popitem()
            results[k] = pickle.loads(data)
            del data
    finally:
        _reap(children)
    return [r for k in range(len(chunks)) for r in results[k]]


def _receive(children: list[tuple[int, int]], deadline: float, wait: float) -> dict[int, bytearray]:
    """Every child's whole answer, read as it comes (a child blocks once its pipe is full)."""
    out = {pid: bytearray() for pid, _ in children}
    with selectors.DefaultSelector() as selector:
        for pid, fd in children:
            selector.register(fd, selectors.EVENT_READ, pid)
        while selector.get_map():
            left = deadline - time.monotonic()
            ready = selector.select(left) if left > 0 else []
            if not ready:
                raise ProcessFailed(
                    Message(
                        N_("a process forked to share the work gave no answer within {seconds} s"),
                        seconds=round(wait),
                    )
                )
            for key, _ in ready:
                data = os.read(key.fd, 1 << 20)
                if data:
                    out[key.data] += data
                else:
                    selector.unregister(key.fd)
    return out


def _result(pid: int, answer: bytearray) -> list[Any]:
    """A child's results from its answer (one record per chunk, `_child`), or what went wrong
    with it raised here."""
    status = _wait_exit(pid)
    records: list[tuple[bool, Any, str]] = []
    view = memoryview(answer)
    start = 0
    with contextlib.suppress(Exception):  # cut short: the child died while writing
        while start < len(view):
            size = int.from_bytes(view[start : start + _SIZE], "little")
            end = start + _SIZE + size
            if end > len(view):
                break
            records.append(pickle.loads(view[start + _SIZE : end]))
            start = end
    view.release()
    del answer[:]  # the results are objects now: their bytes go
    if status == 0 and records and all(ok for ok, _, _ in records):
        return [r for _, value, _ in records for r in value]
    _, value, text = records[-1] if records and not records[-1][0] else (True, None, "")
    if isinstance(value, BaseException):
        value.add_note(f"in the forked process {pid}:\n{text}")
        raise value
    if text:  # an exception that would not pickle: its traceback says what it was
        raise ProcessFailed(
            Message(
                N_("a process forked to share the work failed: {error}"),
                error=text.strip().splitlines()[-1],
            )
        )
    raise ProcessFailed(
        Message(
            N_("a process forked to share the work ended without its results ({how})"),
            how=_describe(status),
        )
    )


def _describe(status: int | None) -> str:
    if status is None:
        return Message(N_("still running"))
    if status < 0:
        name = signal.Signals(-status).name
        if -status == signal.SIGKILL:
            return Message(N_("killed by {signal}: out of memory?"), signal=name)
        return Message(N_("killed by {signal}"), signal=name)
    return Message(N_("exit code {code}"), code=status)


def _wait_exit(pid: int, timeout: float = 5.0) -> int | None:
    """The child's exit code (minus the signal that killed it), once it has ended (it has
    closed its pipe: it is about to); None if it has not within `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return None  # already reaped
        if done:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            return None
        time.sleep(0.01)


def _reap(children: list[tuple[int, int]]) -> None:
    """Close the pipes and make sure every child has ended and is reaped: killed if it still
    runs (this process failed, or the child is stuck)."""
    for pid, fd in children:
        with contextlib.suppress(OSError):
            os.close(fd)
        with contextlib.suppress(ChildProcessError):
            done, _ = os.waitpid(pid, os.WNOHANG)
            if not done:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


def _child(
    work: Callable[[Sequence[T]], list[R]],
    chunks: list[Sequence[T]],
    setup: Callable[[], AbstractContextManager[object]] | None,
    write: int,
    parent: int,
) -> None:  # pragma: no cover (runs in the child only)
    """The child's whole life: it never returns into the parent's code, whatever happens."""
    code = 0
    try:
        _end_with_parent(parent)
        # Each chunk's results pickled as soon as they are made, and only their bytes kept:
        # a profile's 2,000 scores weigh ~0.9 MB as objects, ~0.15 MB pickled (issue 17).
        records: list[bytes] = []
        try:
            with setup() if setup is not None else contextlib.nullcontext():
                for c in chunks:
                    records.append(_record((True, [work(c)], "")))
        except BaseException as e:
            code = 1
            text = traceback.format_exc()
            try:
                record = _record((False, e, text))
                pickle.loads(record[_SIZE:])  # an exception that cannot be rebuilt goes as text
            except Exception:
                record = _record((False, None, text))
            records.append(record)
        with os.fdopen(write, "wb") as out:
            for record in records:
                out.write(record)
    except BaseException:
        code = code or 2
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(BaseException):
                stream.flush()
        os._exit(code)


_SIZE = 8  # bytes of a record's length, before the record


def _record(value: tuple[bool, Any, str]) -> bytes:
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    return len(data).to_bytes(_SIZE, "little") + data


def _end_with_parent(parent: int) -> None:  # pragma: no cover (runs in the child only)
    """Ask Linux to kill this child if its parent dies (killed outright, the OOM killer), so it
    does not go on computing what nobody will read. Elsewhere the child finishes its share and
    ends when writing to the closed pipe fails."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0 and os.getppid() != parent:
            os._exit(1)  # the parent died before the request took effect
    except (OSError, AttributeError):
        pass


__all__ = ["MIN_WAIT", "SLACK", "can_fork", "map_chunks"]
