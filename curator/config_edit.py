"""Editing feeds.yaml in place (ruamel.yaml round trip): the user's comments, order and
formatting survive; feeds are appended, removed, paused, resumed or renamed in place.

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
from curator.errors import ConfigError, InvalidAction, NotFound
from curator.i18n import N_, Message
from curator.types import FeedSource, FullTextMode


def _url_of(entry: object) -> str | None:
    if isinstance(entry, str):
        return entry.strip()
    if isinstance(entry, dict):
        url = entry.get("url")
        return str(url).strip() if url is not None else None
    return None


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    return yaml


def _load(yaml: YAML, path: Path) -> tuple[CommentedMap, CommentedSeq]:
    """The document and its `feeds:` list (created when absent)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text)
    except (OSError, YAMLError) as e:
        raise ConfigError(Message(N_("cannot edit: {reason}"), reason=e), path=str(path)) from e
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise ConfigError(Message(N_("the top level must be a mapping")), path=str(path))
    feeds = data.get("feeds")
    if feeds is None:
        feeds = data["feeds"] = CommentedSeq()
    if not isinstance(feeds, CommentedSeq):
        raise ConfigError(Message(N_("`feeds` must be a list")), path=str(path), field="feeds")
    return data, feeds


def _save(yaml: YAML, data: CommentedMap, path: Path) -> None:
    out = io.StringIO()
    yaml.dump(data, out)
    new_text = out.getvalue()
    parse_settings(new_text, path)  # never write what would not load
    _replace(path, new_text)


def _name_of(entry: object) -> str | None:
    if isinstance(entry, dict) and entry.get("name") is not None:
        return str(entry["name"]).strip()
    return None


def _find(feeds: CommentedSeq, key: str, path: Path) -> int:
    """The index of the feed named by `key`: its URL exactly, else its name (any case)."""
    key = key.strip()
    for i, entry in enumerate(feeds):
        if _url_of(entry) == key:
            return i
    folded = key.casefold()
    matches = [i for i, entry in enumerate(feeds) if (_name_of(entry) or "").casefold() == folded]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ConfigError(
            Message(N_("several feeds are named {name}: give its URL"), name=repr(key)),
            path=str(path),
        )
    raise NotFound(
        "feed", key, Message(N_("not in {path}; `curator feeds list` shows them"), path=path)
    )


def _as_mapping(feeds: CommentedSeq, index: int) -> CommentedMap:
    """The entry as a mapping: the short form (just the URL) is rewritten `url: ...`."""
    entry = feeds[index]
    if isinstance(entry, CommentedMap):
        return entry
    mapping = CommentedMap()
    mapping["url"] = _url_of(entry)
    feeds[index] = mapping
    return mapping


def remove_feed(path: Path, key: str) -> str:
    """Take a feed out of `feeds:` (by URL or name); returns its URL. Its stored items stay."""
    yaml = _yaml()
    data, feeds = _load(yaml, path)
    index = _find(feeds, key, path)
    url = _url_of(feeds[index]) or key
    del feeds[index]
    _save(yaml, data, path)
    return url


def set_paused(path: Path, key: str, paused: bool) -> tuple[str, bool]:
    """Pause or resume a feed (`paused: true` in its entry); returns its URL and whether that
    changed anything."""
    yaml = _yaml()
    data, feeds = _load(yaml, path)
    index = _find(feeds, key, path)
    url = _url_of(feeds[index]) or key
    entry = feeds[index]
    was = bool(entry.get("paused")) if isinstance(entry, dict) else False
    if was == paused:
        return url, False
    mapping = _as_mapping(feeds, index)
    if paused:
        mapping["paused"] = True
    else:
        del mapping["paused"]
    _save(yaml, data, path)
    return url, True


def rename_feed(path: Path, key: str, name: str) -> str:
    """Give a feed a display name (`name:` in its entry); returns its URL."""
    name = " ".join(name.split())
    if not name:
        raise ConfigError(Message(N_("a feed's new name cannot be empty")))
    yaml = _yaml()
    data, feeds = _load(yaml, path)
    index = _find(feeds, key, path)
    url = _url_of(feeds[index]) or key
    mapping = _as_mapping(feeds, index)
    if "name" in mapping:
        mapping["name"] = name
    else:  # right after the URL, where people write it
        mapping.insert(list(mapping.keys()).index("url") + 1, "name", name)
    _save(yaml, data, path)
    return url


def add_feeds(path: Path, sources: Sequence[FeedSource]) -> list[FeedSource]:
    """Append feeds not already listed (by URL) to `feeds:`; returns those added."""
    yaml = _yaml()
    data, feeds = _load(yaml, path)
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
        if source.tags:
            entry["tags"] = _flow(source.tags)
        feeds.append(entry)
        added.append(source)
    if not added:
        return []
    _save(yaml, data, path)
    return added


def _flow(values: Sequence[str]) -> CommentedSeq:
    """A short list written on one line: `tags: [RH, Veille]`."""
    seq = CommentedSeq(values)
    seq.fa.set_flow_style()
    return seq


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


def _followed_name(entry: object) -> str | None:
    if isinstance(entry, str):
        return entry.strip()
    if isinstance(entry, dict) and entry.get("profile") is not None:
        return str(entry["profile"]).strip()
    return None


def set_follow(path: Path, profile: str, other: str, *, follow: bool, weight: float | None) -> bool:
    """Add `other` to (or take it out of) `profile`'s `follow:` list in place, comments kept
    (issue 17); `weight` (adding only) is written when it is not the default 1. Returns whether
    anything changed."""
    yaml = _yaml()
    data, _ = _load(yaml, path)
    profiles = data.get("profiles")
    entries = [p for p in profiles or () if isinstance(p, CommentedMap)]
    names = [str(p.get("name", "")).strip() for p in entries]
    if profile not in names:
        raise NotFound("profile", profile, Message(N_("not in {path}"), path=path))
    if follow and other == profile:
        raise InvalidAction(
            Message(N_("profile {profile} cannot follow itself"), profile=repr(profile))
        )
    if follow and other not in names:
        raise NotFound(
            "profile",
            other,
            Message(N_("not in {path}: a profile follows another of its file"), path=path),
        )
    entry = entries[names.index(profile)]
    follows = entry.get("follow")
    if follows is not None and not isinstance(follows, CommentedSeq):
        raise ConfigError(
            Message(N_("`follow` must be a list")),
            path=str(path),
            field=f"profiles[{profile}].follow",
        )
    if follows is None:
        follows = _flow([])
    at = next((i for i, f in enumerate(follows) if _followed_name(f) == other), None)
    if not follow:
        if at is None:
            return False
        del follows[at]
        if not follows:
            del entry["follow"]
    else:
        new: str | CommentedMap = other
        if weight is not None and weight != 1.0:
            new = CommentedMap([("profile", other), ("weight", weight)])
            new.fa.set_flow_style()
        if at is not None:
            old = follows[at]
            old_weight = old.get("weight", 1.0) if isinstance(old, dict) else 1.0
            if weight is None or float(old_weight) == weight:
                return False
            follows[at] = new
        else:
            follows.append(new)
            entry["follow"] = follows
    _save(yaml, data, path)
    return True


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
        raise ConfigError(Message(N_("cannot edit: {reason}"), reason=e), path=str(path)) from e
    profiles = data.get("profiles") if isinstance(data, CommentedMap) else None
    entry = next(
        (p for p in profiles or () if isinstance(p, CommentedMap) and p.get("name") == profile),
        None,
    )
    schedule = entry.get("schedule") if entry is not None else None
    slots = schedule.get("slots") if isinstance(schedule, CommentedMap) else None
    if not isinstance(slots, CommentedSeq):
        raise ConfigError(
            Message(
                N_("profile {profile} has no schedule.slots list to change"), profile=repr(profile)
            ),
            path=str(path),
        )
    matching = [
        i for i, s in enumerate(slots) if isinstance(s, dict) and s.get("kind", "relay") == kind
    ]
    if not matching:
        raise ConfigError(
            Message(
                N_("profile {profile} has no {kind} slot to change"),
                profile=repr(profile),
                kind=Message(kind),
            ),
            path=str(path),
        )
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
