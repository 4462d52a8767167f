"""Giving memory back between the service's jobs (issue 19).

A job of `curator serve` (scoring 100,000 items, say) builds hundreds of megabytes of arrays and
objects. Python frees them when the job returns, but the C allocator keeps most of the pages for
later: the service stayed at its peak between jobs, ticking for hours. So after each job the
collector runs, the caches a job filled are emptied, and glibc is asked to return its free pages.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import sys
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
        return trim
    except (OSError, AttributeError):  # not glibc (musl): nothing to ask
        return None


def release() -> None:
    """Collect garbage, drop the per-job caches, hand free heap pages back to the system."""
    from curator import lang

    lang.forget_model()  # ~50 MB, read again from its unpacked copy in a tenth of a second
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
