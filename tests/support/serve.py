"""`curator serve` started by a test: started, stopped, and where it hangs when it does not stop."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def communicate_or_show_stacks(proc: subprocess.Popen[str], timeout: float = 30) -> tuple[str, str]:
    """`proc.communicate(timeout)`: its stdout and stderr once it has exited. If it has not
    exited by then, it is asked for every thread's stack (SIGUSR1, which the service answers),
    killed, and the failure carries all it printed, the stacks included."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGUSR1)
        time.sleep(2)
        proc.kill()
        out, err = proc.communicate()
        said = (out or "") + (err or "")
        raise AssertionError(
            f"curator serve did not stop within {timeout:.0f} s:\n{said}"
        ) from None
    return out or "", err or ""


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds:.0f}s waiting for {what}")


class ServeProcess:
    def __init__(self, config: Path, db: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "curator", "--config", str(config), "--db", f"sqlite:///{db}",
             "-v", "serve", "--port", "0", "--tick", "1"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        self.lines: list[str] = []
        self.address = ""
        deadline = time.monotonic() + 60
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            match = re.search(r"listening on (http://[\d.]+:\d+)", line)
            if match:
                self.address = match.group(1)
                return
        raise AssertionError("curator serve did not start:\n" + "".join(self.lines))

    def stop(self) -> tuple[int, float]:
        started = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        out, _ = communicate_or_show_stacks(self.proc)
        self.lines.append(out)
        return self.proc.returncode, time.monotonic() - started
