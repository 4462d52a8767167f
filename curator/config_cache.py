"""A cache of parsed configuration files, so a command does not parse feeds.yaml again.

Every command reads the configuration first, and parsing a 200-feed file with ruamel costs
0.2 s of CPU, more than a queue decision's own work (issue 19). The parsed `Settings` are kept
in the user's cache folder ($XDG_CACHE_HOME/curator/settings, by default
~/.cache/curator/settings), one file per configuration file, under a key made of:

- the file's path (as given, absolute and resolved: `Settings` keeps the path as given, and a
  relative SQLite path in it is resolved against the file's folder),
- its size and mtime_ns, and a digest of its text: an edit that keeps the size within one tick
  of the file system's clock still changes the text, so a stale entry is never read,
- the code version: curator's version and the size and mtime of the modules that shape
  `Settings` (a checkout edited in place keeps its version number).

A broken file is never cached: it is parsed every time and its error names the file and the
line as before. A cache entry that cannot be read (truncated, written by another version,
not a pickle, not ours) is ignored and written again. The SMTP password comes from the
environment at every start and is never written to the cache: it is the only thing the parser
reads from the environment, and anything else it comes to read must join the key or be applied
in `CacheEntry.load` the same way. `CURATOR_NO_CONFIG_CACHE=1` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from curator.config import Settings

log = logging.getLogger(__name__)

ENV_NO_CACHE = "CURATOR_NO_CONFIG_CACHE"
# Bumped when what an entry holds changes shape beyond what the code version below notices.
FORMAT = 1
# The modules whose code decides what a configuration file parses into.
_SHAPING_MODULES = ("config.py", "config_cache.py", "types.py", "i18n.py")
# Entries kept: one per configuration file used; the least recently written go first (files
# that were moved or deleted, test folders), so the folder never grows without bound.
MAX_ENTRIES = 64


def cache_folder(env: Mapping[str, str] = os.environ) -> Path:
    """$XDG_CACHE_HOME/curator/settings, by default ~/.cache/curator/settings."""
    base = env.get("XDG_CACHE_HOME", "").strip()
    # The XDG specification says a relative value is invalid and must be ignored.
    folder = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return folder / "curator" / "settings"


def _code_version() -> str:
    from curator import __version__

    package = Path(__file__).parent
    parts = [__version__]
    for name in _SHAPING_MODULES:
        status = (package / name).stat()
        parts.append(f"{name}:{status.st_size}:{status.st_mtime_ns}")
    return ";".join(parts)


@dataclass(frozen=True)
class CacheEntry:
    """Where the parsed form of one configuration file is kept, and the key it must match."""

    file: Path
    key: str

    def load(self, env: Mapping[str, str]) -> Settings | None:
        """The cached settings when the entry matches the key, else None (never an error)."""
        from curator.config import ENV_SMTP_PASSWORD, Settings

        try:
            with open(self.file, "rb") as f:
                # Written by this user only: anyone else's file there is not read.
                owner = os.fstat(f.fileno()).st_uid
                if hasattr(os, "getuid") and owner != os.getuid():
                    return None
                key, settings = pickle.load(f)
        except FileNotFoundError:
            return None
        except Exception as e:  # truncated, another format, not a pickle: parse instead
            log.debug("ignoring the configuration cache %s: %s", self.file, e)
            return None
        if key != self.key or not isinstance(settings, Settings):
            return None
        if settings.smtp is not None:
            password = env.get(ENV_SMTP_PASSWORD) or None
            settings = replace(settings, smtp=replace(settings.smtp, password=password))
        return settings

    def store(self, settings: Settings) -> None:
        """Write the entry (atomically); a folder that cannot be written only costs speed."""
        if settings.smtp is not None and settings.smtp.password is not None:
            settings = replace(settings, smtp=replace(settings.smtp, password=None))
        # Its own partial file per process and thread (the service reads the file from
        # several threads).
        partial = self.file.with_name(f"{self.file.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as f:
                pickle.dump((self.key, settings), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(partial, self.file)  # a concurrent reader sees all of it or nothing
        except Exception as e:  # read-only home, full disk: run without the cache
            log.debug("cannot write the configuration cache %s: %s", self.file, e)
            with contextlib.suppress(OSError):
                partial.unlink(missing_ok=True)
            return
        _prune(self.file.parent)


def _prune(folder: Path) -> None:
    """Remove the least recently written entries beyond `MAX_ENTRIES`."""
    try:
        entries = [(p.stat().st_mtime_ns, p) for p in folder.glob("*.pickle")]
    except OSError:
        return
    for _, stale in sorted(entries, reverse=True)[MAX_ENTRIES:]:
        with contextlib.suppress(OSError):
            stale.unlink()


def entry_for(path: Path, text: str, env: Mapping[str, str] = os.environ) -> CacheEntry | None:
    """The cache entry of the configuration file `path`, whose text is `text`; None when the
    cache is off or the file cannot be looked at."""
    if env.get(ENV_NO_CACHE, "").strip() not in ("", "0"):
        return None
    try:
        status = path.stat()
        absolute = path if path.is_absolute() else Path.cwd() / path
        resolved = path.resolve()
        version = _code_version()
        folder = cache_folder(env)
    except (OSError, RuntimeError):  # RuntimeError: no home folder to put the cache in
        return None
    where = f"{path}\0{absolute}\0{resolved}"
    name = hashlib.sha256(where.encode()).hexdigest()[:32]
    key = hashlib.sha256(
        f"{FORMAT}\0{version}\0{where}\0{status.st_size}\0{status.st_mtime_ns}\0".encode()
        + text.encode("utf-8", "surrogatepass")
    ).hexdigest()
    return CacheEntry(folder / f"{name}.pickle", key)
