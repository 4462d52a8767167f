"""Stopping a `curator serve` started by a test, and saying where it hangs when it does not stop."""

from __future__ import annotations

import signal
import subprocess
import time


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
