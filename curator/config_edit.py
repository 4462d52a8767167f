"""Editing feeds.yaml in place (ruamel.yaml round trip): the user's comments, order and
formatting survive; only new `feeds:` entries are appended.

The edited text is validated with the same parser as a normal load before it replaces the
file (written to a temporary file, then renamed), so a command can never leave a broken
configuration behind.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from curator.config import parse_settings
from curator.errors import ConfigError
from curator.types import FeedSource, FullTextMode


def _url_of(entry: object) -> str | None:
    if isinstance(entry, str):
        return entry.strip()
    if isinstance(entry, dict):
        url = entry.get("url")
        return str(url).strip() if url is not None else None
    return None


def add_feeds(path: Path, sources: Sequence[FeedSource]) -> list[FeedSource]:
    """Append feeds not already listed (by URL) to `feeds:`; returns those added."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text)
    except (OSError, YAMLError) as e:
        raise ConfigError(f"cannot edit: {e}", path=str(path)) from e
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise ConfigError("the top level must be a mapping", path=str(path))
    feeds = data.get("feeds")
    if feeds is None:
        feeds = data["feeds"] = CommentedSeq()
    if not isinstance(feeds, CommentedSeq):
        raise ConfigError("`feeds` must be a list", path=str(path), field="feeds")
    known = {_url_of(entry) for entry in feeds}
    added: list[FeedSource] = []
    for source in sources:
        if source.url in known:
            continue
        known.add(source.url)
        entry = CommentedMap()
        entry["url"] = source.url
        if source.name:
            entry["name"] = source.name
        if source.interval_minutes:
            entry["interval"] = f"{source.interval_minutes}m"
        if source.full_text is not FullTextMode.AUTO:
            entry["full_text"] = source.full_text.value
        feeds.append(entry)
        added.append(source)
    if not added:
        return []
    out = io.StringIO()
    yaml.dump(data, out)
    new_text = out.getvalue()
    parse_settings(new_text, path)  # never write what would not load
    _replace(path, new_text)
    return added


def _replace(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def change_schedule(path: Path, profile: str, action: str, kind: str, to: str | None = None) -> str:
    """Change one slot of a profile's `schedule.slots` in place (issue 15, `results advice
    --apply`): "convert" the last slot of `kind` to `to`, or "remove" it. Comments survive.

    Returns the slot as written before the change ("thu 08:30 relay")."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    try:
        data = yaml.load(path.read_text(encoding="utf-8"))
    except (OSError, YAMLError) as e:
        raise ConfigError(f"cannot edit: {e}", path=str(path)) from e
    profiles = data.get("profiles") if isinstance(data, CommentedMap) else None
    entry = next(
        (p for p in profiles or () if isinstance(p, CommentedMap) and p.get("name") == profile),
        None,
    )
    schedule = entry.get("schedule") if entry is not None else None
    slots = schedule.get("slots") if isinstance(schedule, CommentedMap) else None
    if not isinstance(slots, CommentedSeq):
        raise ConfigError(
            f"profile {profile!r} has no schedule.slots list to change", path=str(path)
        )
    matching = [
        i for i, s in enumerate(slots) if isinstance(s, dict) and s.get("kind", "relay") == kind
    ]
    if not matching:
        raise ConfigError(f"profile {profile!r} has no {kind} slot to change", path=str(path))
    index = matching[-1]
    rule = slots[index]
    before = f"{rule.get('day')} {rule.get('time')} {rule.get('kind', 'relay')}"
    if action == "convert" and to is not None:
        rule["kind"] = to
    elif action == "remove":
        del slots[index]
    else:
        raise ValueError(f"unknown schedule change {action!r}")
    out = io.StringIO()
    yaml.dump(data, out)
    new_text = out.getvalue()
    parse_settings(new_text, path)  # never write what would not load
    _replace(path, new_text)
    return before
