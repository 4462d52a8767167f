"""feeds.yaml + environment -> validated, frozen `Settings`.

Every mistake is reported as a ConfigError naming the file, the line and the field, with a
suggestion for misspelt keys. Precedence for the two things that can come from several places:
command-line flag > environment (CURATOR_CONFIG, CURATOR_DB) > file > default.
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from curator.errors import ConfigError, ConfigNotFound, NotFound
from curator.i18n import N_, Message
from curator.types import (
    WEEKDAY_ALIASES,
    WEEKDAY_NAMES,
    CalendarSettings,
    DigestSettings,
    FeedSource,
    FetchSettings,
    Follow,
    FullTextMode,
    Keywords,
    Profile,
    Schedule,
    ScorePassSettings,
    ScoringSettings,
    ServeSettings,
    SlotKind,
    SlotRule,
    SmtpSettings,
)

DEFAULT_CONFIG_NAME = "feeds.yaml"
ENV_CONFIG = "CURATOR_CONFIG"
ENV_DB = "CURATOR_DB"
ENV_SMTP_PASSWORD = "CURATOR_SMTP_PASSWORD"

WEEKDAYS = WEEKDAY_ALIASES

# Bounds shared by several keys (the README's feeds.yaml reference gives every key's range).
MAX_DURATION_MINUTES = 30 * 24 * 60  # intervals and backoff: a month at most
MIN_SIZE, MAX_SIZE = 1024, 1024**3  # fetch.max_body: 1KB to 1GB
MAX_PORT = 65535


@dataclass(frozen=True, slots=True)
class Settings:
    path: Path
    profiles: tuple[Profile, ...] = ()
    feeds: tuple[FeedSource, ...] = ()
    fetch: FetchSettings = FetchSettings()
    smtp: SmtpSettings | None = None
    calendar: CalendarSettings = CalendarSettings()
    serve: ServeSettings = ServeSettings()
    score: ScorePassSettings = ScorePassSettings()
    database: str | None = None  # as written in the file; see `resolve_database_url`
    # where each profile / feed was declared ("file:line"), for messages that point back there
    locations: Mapping[str, str] = field(default_factory=dict)

    def profile(self, name: str) -> Profile:
        for profile in self.profiles:
            if profile.name == name:
                return profile
        known = ", ".join(p.name for p in self.profiles) or "none"
        raise NotFound(
            "profile", name, Message(N_("profiles in {path}: {known}"), path=self.path, known=known)
        )

    def select_profiles(self, name: str | None) -> tuple[Profile, ...]:
        """The one profile named, or all of them when `name` is None."""
        return (self.profile(name),) if name else self.profiles

    @property
    def data_dir(self) -> Path:
        """Where curator writes what it makes by default (database, calendars, digests)."""
        return self.path.parent


def _relative_to(config: Path, calendar: CalendarSettings) -> CalendarSettings:
    """A relative calendar folder in the file is relative to the file, like the database."""
    if calendar.output_dir is None:
        return calendar
    folder = Path(calendar.output_dir).expanduser()
    if not folder.is_absolute():
        folder = (config.parent / folder).resolve()
    return replace(calendar, output_dir=str(folder))


def user_config_path(env: Mapping[str, str] = os.environ) -> Path:
    """The per-user configuration: $XDG_CONFIG_HOME/curator/feeds.yaml, by default
    ~/.config/curator/feeds.yaml (XDG Base Directory specification)."""
    base = env.get("XDG_CONFIG_HOME", "").strip()
    # The specification says a relative value is invalid and must be ignored.
    folder = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return folder / "curator" / DEFAULT_CONFIG_NAME


def resolve_config_path(flag: str | None, env: Mapping[str, str] = os.environ) -> Path:
    """--config, else CURATOR_CONFIG, else ./feeds.yaml, else the per-user file when it exists
    (so `curator review` works from any folder, issue 16); else ./feeds.yaml, where `curator
    init` writes."""
    if flag or env.get(ENV_CONFIG):
        return Path(flag or env[ENV_CONFIG])
    local = Path(DEFAULT_CONFIG_NAME)
    if local.is_file():
        return local
    user = user_config_path(env)
    return user if user.is_file() else local


def resolve_database_url(
    flag: str | None, settings: Settings | None, env: Mapping[str, str] = os.environ
) -> str:
    if flag:
        return flag
    if env.get(ENV_DB):
        return env[ENV_DB]
    if settings is not None and settings.database:
        return settings.database
    base = settings.data_dir if settings is not None else Path.cwd()
    return f"sqlite:///{(base / 'curator.db').resolve()}"


def load_settings(path: Path, env: Mapping[str, str] = os.environ) -> Settings:
    if not path.is_file():
        if path.name != DEFAULT_CONFIG_NAME or env.get(ENV_CONFIG):
            why = f"named by --config or {ENV_CONFIG}"
        else:
            why = f"the default name, in the current folder; nor at {user_config_path(env)}"
        hint = (
            f"no configuration file at {path.resolve()} ({why});"
            " create one with `curator init`, or point to yours with --config FILE"
        )
        raise ConfigNotFound(hint)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(
            Message(N_("not UTF-8 text ({reason} at byte {byte})"), reason=e.reason, byte=e.start),
            path=str(path),
        ) from e
    # A file parsed before is read from the cache (curator.config_cache): ruamel is then not
    # even imported. A broken file is never cached, so its error is raised here every time.
    from curator import config_cache

    entry = config_cache.entry_for(path, text, env)
    settings = entry.load(env) if entry is not None else None
    if settings is None:
        settings = parse_settings(text, path, env)
        if entry is not None:
            entry.store(settings)
    return settings


def parse_settings(text: str, path: Path, env: Mapping[str, str] = os.environ) -> Settings:
    # Imported here: a command whose configuration is cached never needs ruamel (issue 19).
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.error import MarkedYAMLError

    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        problem = e.problem or e.context or "invalid YAML"
        raise ConfigError(
            Message(N_("YAML syntax error: {problem}"), problem=problem), path=str(path), line=line
        ) from e
    if data is None:
        data = CommentedMap()
    root = _Node(data, str(path), "", 1)
    return _Reader(str(path), env).settings(root, path)


# --- a small typed reader over ruamel's round-trip nodes, which remember line numbers -------

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Node:
    value: Any
    path: str  # the file
    field: str  # dotted field, e.g. profiles[0].schedule.slots[1].time
    line: int | None

    def error(self, message: Message) -> ConfigError:
        return ConfigError(message, path=self.path, line=self.line, field=self.field or None)


def _child_line(container: Any, key: Any) -> int | None:
    # ruamel's round-trip mappings and lists (CommentedMap, CommentedSeq) carry `lc`, their
    # line and column records; tested by shape so that this module does not import ruamel.
    try:
        if isinstance(container, Mapping) and hasattr(container, "lc"):
            return int(container.lc.key(key)[0]) + 1
        if isinstance(container, list) and hasattr(container, "lc"):
            return int(container.lc.item(key)[0]) + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return None


class _Reader:
    def __init__(self, path: str, env: Mapping[str, str]) -> None:
        self.path = path
        # Read for the SMTP password only: the configuration cache re-applies it at each load
        # (curator.config_cache), so anything else read from here must join the cache's key.
        self.env = env
        # Where each `follow` entry was written, to name its line once the profiles are known.
        self.follow_nodes: list[tuple[Follow, _Node]] = []

    # primitives ----------------------------------------------------------------------------

    def mapping(self, node: _Node, known: tuple[str, ...]) -> dict[str, _Node]:
        if not isinstance(node.value, Mapping):
            raise node.error(
                Message(N_("expected a mapping of keys, got {value}"), value=_describe(node.value))
            )
        out: dict[str, _Node] = {}
        for key, value in node.value.items():
            name = str(key)
            field_name = f"{node.field}.{name}" if node.field else name
            child = _Node(value, node.path, field_name, _child_line(node.value, key) or node.line)
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                hint = (
                    Message(N_("; did you mean {key}?"), key=repr(close[0]))
                    if close
                    else Message(N_("; known keys: {keys}"), keys=", ".join(known))
                )
                raise child.error(Message(N_("unknown key {key}{hint}"), key=repr(name), hint=hint))
            out[name] = child
        return out

    def sequence(self, node: _Node) -> list[_Node]:
        if node.value is None:
            return []
        if not isinstance(node.value, list):
            raise node.error(
                Message(N_("expected a list, got {value}"), value=_describe(node.value))
            )
        return [
            _Node(v, node.path, f"{node.field}[{i}]", _child_line(node.value, i) or node.line)
            for i, v in enumerate(node.value)
        ]

    def string(self, node: _Node, *, allow_empty: bool = False) -> str:
        if not isinstance(node.value, str) or (not allow_empty and not node.value.strip()):
            raise node.error(Message(N_("expected text, got {value}"), value=_describe(node.value)))
        return str(node.value)

    # Every number has an upper bound too (issue 13): a value that validation let through
    # used to fail much later, far from the file (a horizon of 1e9 days overflowed the
    # planner's dates, a port of 99999 crashed the server, a NaN weight broke a database
    # constraint). The README's feeds.yaml reference states each range.

    def integer(self, node: _Node, *, minimum: int = 0, maximum: int) -> int:
        if isinstance(node.value, bool) or not isinstance(node.value, int):
            raise node.error(
                Message(N_("expected a whole number, got {value}"), value=_describe(node.value))
            )
        if not minimum <= node.value <= maximum:
            raise node.error(_out_of_range(minimum, maximum, node.value))
        return int(node.value)

    def number(self, node: _Node, *, minimum: float = 0.0, maximum: float) -> float:
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise node.error(
                Message(N_("expected a number, got {value}"), value=_describe(node.value))
            )
        value = float(node.value)
        if not math.isfinite(value):
            written = ".nan" if math.isnan(value) else ("-.inf" if value < 0 else ".inf")
            raise node.error(
                Message(
                    N_("expected a number between {minimum} and {maximum}, got {value}"),
                    minimum=f"{minimum:g}",
                    maximum=f"{maximum:g}",
                    value=written,
                )
            )
        if not minimum <= value <= maximum:
            raise node.error(_out_of_range(f"{minimum:g}", f"{maximum:g}", node.value))
        return value

    def boolean(self, node: _Node) -> bool:
        if not isinstance(node.value, bool):
            raise node.error(
                Message(N_("expected true or false, got {value}"), value=_describe(node.value))
            )
        return bool(node.value)

    def choice(self, node: _Node, choices: tuple[str, ...]) -> str:
        value = self.string(node)
        if value not in choices:
            raise node.error(
                Message(
                    N_("{value} is not one of {choices}"),
                    value=repr(value),
                    choices=", ".join(choices),
                )
            )
        return value

    def minutes(self, node: _Node) -> int:
        """A duration in minutes, from 1 minute to `MAX_DURATION_MINUTES` (30 days): a number
        (minutes) or text such as '90m', '2h', '1d'."""
        if isinstance(node.value, int) and not isinstance(node.value, bool):
            return self.integer(node, minimum=1, maximum=MAX_DURATION_MINUTES)
        match = re.fullmatch(r"\s*(\d+)\s*(m|min|h|d)\s*", str(node.value))
        if not match:
            raise node.error(
                Message(
                    N_("expected a duration like 30, '30m', '2h' or '1d', got {value}"),
                    value=repr(node.value),
                )
            )
        factor = {"m": 1, "min": 1, "h": 60, "d": 1440}[match.group(2)]
        value = int(match.group(1)) * factor
        if value > MAX_DURATION_MINUTES:
            raise node.error(
                Message(N_("must be at most 30d, got {value}"), value=repr(str(node.value).strip()))
            )
        return max(1, value)

    def size(self, node: _Node) -> int:
        """A size in bytes, from 1KB to 1GB: a number or text such as '10MB', '512KB'."""
        if isinstance(node.value, int) and not isinstance(node.value, bool):
            return self.integer(node, minimum=MIN_SIZE, maximum=MAX_SIZE)
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)\s*", str(node.value), re.I)
        if not match:
            raise node.error(
                Message(
                    N_("expected a size like 10MB or 512KB, got {value}"), value=repr(node.value)
                )
            )
        factor = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}[match.group(2).lower()]
        value = int(float(match.group(1)) * factor)
        if not MIN_SIZE <= value <= MAX_SIZE:
            raise node.error(_out_of_range("1KB", "1GB", repr(str(node.value).strip())))
        return value

    def clock_time(self, node: _Node) -> time:
        raw = node.value
        # YAML 1.1 reads an unquoted 08:30 as a sexagesimal number (510); accept it kindly.
        if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw < 24 * 60:
            return time(raw // 60, raw % 60)
        match = re.fullmatch(r"\s*(\d{1,2})[:h](\d{2})\s*", str(raw))
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise node.error(
                Message(N_('expected a time of day like "08:30", got {value}'), value=repr(raw))
            )
        return time(int(match.group(1)), int(match.group(2)))

    def day(self, node: _Node, text: str) -> date:
        try:
            return date.fromisoformat(text.strip())
        except ValueError:
            raise node.error(
                Message(
                    N_("expected a date like 2026-12-24, got {value}"), value=repr(text.strip())
                )
            ) from None

    def optional(
        self, fields: dict[str, _Node], key: str, read: Callable[[_Node], T], default: T
    ) -> T:
        node = fields.get(key)
        return default if node is None or node.value is None else read(node)

    # sections ------------------------------------------------------------------------------

    def unique(
        self,
        fields: Mapping[str, _Node],
        key: str,
        read: Callable[[_Node], T],
        ident: Callable[[T], str],
        label: str,
        locations: dict[str, str],
    ) -> list[T]:
        """The entries of the list `key` (profiles, feeds), each read by `read`; two with the same
        `ident` are refused, naming both places. Each entry's place goes to `locations`."""
        out: list[T] = []
        seen: dict[str, _Node] = {}
        for node in self.sequence(fields[key]) if key in fields else []:
            value = read(node)
            name = ident(value)
            if name in seen:
                first = seen[name]
                raise node.error(
                    Message(
                        N_("duplicate {what} (also at {where})"),
                        what=Message(label, name=name),
                        where=f"{first.path}:{first.line}",
                    )
                )
            seen[name] = node
            locations[f"{key[:-1]}:{name}"] = f"{node.path}:{node.line}"
            out.append(value)
        return out

    def settings(self, root: _Node, path: Path) -> Settings:
        fields = self.mapping(
            root,
            ("database", "profiles", "feeds", "fetch", "smtp", "calendar", "serve", "score"),
        )
        locations: dict[str, str] = {}
        profiles = self.unique(
            fields,
            "profiles",
            self.profile,
            lambda p: p.name,
            N_("profile name '{name}'"),
            locations,
        )
        self.check_follows(profiles)
        feeds = self.unique(
            fields, "feeds", self.feed, lambda f: f.url, N_("feed URL {name}"), locations
        )
        database = self.optional(fields, "database", self.string, None)
        if (
            database
            and database.startswith("sqlite:///")
            and not database.startswith("sqlite:////")
        ):
            # A relative SQLite path in the file is relative to the file, not to the cwd.
            relative = database.removeprefix("sqlite:///")
            database = f"sqlite:///{(path.parent / relative).resolve()}"
        return Settings(
            path=path,
            profiles=tuple(profiles),
            feeds=tuple(feeds),
            fetch=self.optional(fields, "fetch", self.fetch, FetchSettings()),
            smtp=self.optional(fields, "smtp", self.smtp, None),
            calendar=_relative_to(
                path, self.optional(fields, "calendar", self.calendar, CalendarSettings())
            ),
            serve=self.optional(fields, "serve", self.serve, ServeSettings()),
            score=self.optional(fields, "score", self.score_pass, ScorePassSettings()),
            database=database,
            locations=locations,
        )

    def profile(self, node: _Node) -> Profile:
        fields = self.mapping(
            node,
            (
                "name",
                "objective",
                "language",
                "timezone",
                "keywords",
                "examples",
                "schedule",
                "digest",
                "scoring",
                "picks",
                "follow",
            ),
        )
        for required in ("name", "objective"):
            if required not in fields:
                raise node.error(Message(N_("a profile needs {key}"), key=repr(required)))
        name = self.string(fields["name"]).strip()
        if not re.fullmatch(r"[\w.-]{1,100}", name):
            raise fields["name"].error(
                Message(
                    N_("profile name {name} may use letters, digits, '.', '-' and '_' only"),
                    name=repr(name),
                )
            )
        timezone = self.optional(fields, "timezone", self.timezone, "UTC")
        schedule = self.optional(fields, "schedule", self.schedule, Schedule())
        return Profile(
            name=name,
            objective=self.string(fields["objective"], allow_empty=True).strip(),
            language=self.optional(
                fields, "language", lambda n: self.choice(n, ("fr", "en", "auto")), "auto"
            ),
            timezone=timezone,
            keywords=self.optional(fields, "keywords", self.keywords, Keywords()),
            examples=tuple(self.string(n).strip() for n in self.sequence(fields["examples"]))
            if "examples" in fields
            else (),
            schedule=schedule,
            digest=self.optional(fields, "digest", self.digest, DigestSettings()),
            scoring=self.optional(fields, "scoring", self.scoring, ScoringSettings()),
            picks=self.optional(
                fields, "picks", lambda n: self.choice(n, ("public", "private")), "private"
            ),
            follow=tuple(self.follow(n) for n in self.sequence(fields["follow"]))
            if "follow" in fields
            else (),
        )

    def follow(self, node: _Node) -> Follow:
        """`alice` or `{profile: alice, weight: 1.2}`; whether alice exists is checked once
        every profile is read (`check_follows`)."""
        if isinstance(node.value, Mapping):
            fields = self.mapping(node, ("profile", "weight"))
            if "profile" not in fields:
                raise node.error(Message(N_("a follow needs 'profile'")))
            name_node = fields["profile"]
            weight = self.optional(fields, "weight", lambda n: self.number(n, maximum=10.0), 1.0)
        else:
            name_node, weight = node, 1.0
        follow = Follow(self.string(name_node).strip(), weight)
        self.follow_nodes.append((follow, name_node))
        return follow

    def check_follows(self, profiles: list[Profile]) -> None:
        """A followed profile must exist and not be the follower; each is followed once."""
        names = [p.name for p in profiles]
        for p in profiles:
            seen: set[str] = set()
            for follow in p.follow:
                node = next(n for f, n in self.follow_nodes if f is follow)
                if follow.profile == p.name:
                    raise node.error(
                        Message(N_("profile {name} cannot follow itself"), name=repr(p.name))
                    )
                if follow.profile not in names:
                    close = difflib.get_close_matches(follow.profile, names, n=1, cutoff=0.6)
                    hint = (
                        Message(N_("; did you mean {key}?"), key=repr(close[0]))
                        if close
                        else Message(N_("; known: {names}"), names=", ".join(names))
                    )
                    raise node.error(
                        Message(
                            N_("unknown profile {name} to follow{hint}"),
                            name=repr(follow.profile),
                            hint=hint,
                        )
                    )
                if follow.profile in seen:
                    raise node.error(
                        Message(N_("profile {name} is followed twice"), name=repr(follow.profile))
                    )
                seen.add(follow.profile)

    def timezone(self, node: _Node) -> str:
        name = self.string(node).strip()
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise node.error(
                Message(
                    N_("unknown time zone {name}: use an IANA name such as Europe/Paris"),
                    name=repr(name),
                )
            ) from None
        return name

    def keywords(self, node: _Node) -> Keywords:
        fields = self.mapping(node, ("boost", "block"))

        def words(key: str) -> tuple[str, ...]:
            if key not in fields:
                return ()
            return tuple(self.string(n).strip() for n in self.sequence(fields[key]))

        return Keywords(boost=words("boost"), block=words("block"))

    def schedule(self, node: _Node) -> Schedule:
        fields = self.mapping(
            node,
            (
                "slots",
                "horizon_days",
                "blackout",
                "weekly_minutes",
                "min_score",
                "max_age_days",
                "relay_minutes",
                "original_minutes",
                "min_comment_chars",
                "same_source_gap",
            ),
        )
        default = Schedule()
        relay_minutes = self.optional(
            fields,
            "relay_minutes",
            lambda n: self.integer(n, minimum=1, maximum=1440),
            default.relay_minutes,
        )
        original_minutes = self.optional(
            fields,
            "original_minutes",
            lambda n: self.integer(n, minimum=1, maximum=1440),
            default.original_minutes,
        )
        rules: list[SlotRule] = []
        rule_nodes: list[_Node] = []
        for slot_node in self.sequence(fields["slots"]) if "slots" in fields else []:
            rule = self.slot_rule(slot_node)
            for other, other_node in zip(rules, rule_nodes, strict=True):
                if _week_minute(other) == _week_minute(rule):
                    raise slot_node.error(
                        Message(
                            N_("duplicate slot {day} {time} (also at line {line})"),
                            day=WEEKDAY_NAMES[rule.weekday],
                            time=f"{rule.time:%H:%M}",
                            line=other_node.line,
                        )
                    )
                # Minutes of the week, cyclically: Sunday 23:50 and Monday 00:10 are 20 apart.
                for first, second in ((other, rule), (rule, other)):
                    gap = (_week_minute(second) - _week_minute(first)) % (7 * 24 * 60)
                    length = relay_minutes if first.kind is SlotKind.RELAY else original_minutes
                    if gap < length:
                        raise slot_node.error(
                            Message(
                                N_(
                                    "slot {slot} overlaps the slot at line {line} ({other}): "
                                    "{first} lasts {minutes} minutes"
                                ),
                                slot=f"{WEEKDAY_NAMES[rule.weekday]} {rule.time:%H:%M}",
                                line=other_node.line,
                                other=f"{WEEKDAY_NAMES[other.weekday]} {other.time:%H:%M}",
                                first=f"{WEEKDAY_NAMES[first.weekday]} {first.time:%H:%M}",
                                minutes=length,
                            )
                        )
            rules.append(rule)
            rule_nodes.append(slot_node)
        blackout = []
        for range_node in self.sequence(fields["blackout"]) if "blackout" in fields else []:
            text = str(range_node.value)
            start_text, _, end_text = text.partition("..")
            start = self.day(range_node, start_text)
            end = self.day(range_node, end_text) if end_text else start
            if end < start:
                raise range_node.error(
                    Message(N_("blackout range {text} ends before it starts"), text=repr(text))
                )
            blackout.append((start, end))
        weekly_minutes = self.optional(
            fields, "weekly_minutes", lambda n: self.integer(n, minimum=1, maximum=7 * 1440), None
        )
        if weekly_minutes is not None and weekly_minutes < min(relay_minutes, original_minutes):
            raise fields["weekly_minutes"].error(
                Message(
                    N_(
                        "a budget of {budget} minutes a week is smaller than one post "
                        "(relay {relay} min, original {original} min)"
                    ),
                    budget=weekly_minutes,
                    relay=relay_minutes,
                    original=original_minutes,
                )
            )
        return Schedule(
            slots=tuple(rules),
            horizon_days=self.optional(
                fields,
                "horizon_days",
                lambda n: self.integer(n, minimum=1, maximum=366),
                default.horizon_days,
            ),
            blackout=tuple(blackout),
            weekly_minutes=weekly_minutes,
            min_score=self.optional(
                fields, "min_score", lambda n: self.number(n, maximum=1.0), default.min_score
            ),
            max_age_days=self.optional(
                fields,
                "max_age_days",
                lambda n: self.number(n, minimum=0.1, maximum=3650),
                default.max_age_days,
            ),
            relay_minutes=relay_minutes,
            original_minutes=original_minutes,
            min_comment_chars=self.optional(
                fields,
                "min_comment_chars",
                lambda n: self.integer(n, minimum=1, maximum=3000),
                default.min_comment_chars,
            ),
            same_source_gap=self.optional(
                fields,
                "same_source_gap",
                lambda n: self.integer(n, minimum=0, maximum=10),
                default.same_source_gap,
            ),
        )

    def slot_rule(self, node: _Node) -> SlotRule:
        fields = self.mapping(node, ("day", "time", "kind"))
        for required in ("day", "time"):
            if required not in fields:
                raise node.error(Message(N_("a slot needs {key}"), key=repr(required)))
        day_name = self.string(fields["day"]).strip().lower()
        if day_name not in WEEKDAYS:
            raise fields["day"].error(
                Message(
                    N_("unknown weekday {day}: use one of {days}"),
                    day=repr(day_name),
                    days=", ".join(WEEKDAY_NAMES),
                )
            )
        kind = self.optional(
            fields, "kind", lambda n: self.choice(n, ("relay", "original")), "relay"
        )
        return SlotRule(
            weekday=WEEKDAYS[day_name], time=self.clock_time(fields["time"]), kind=SlotKind(kind)
        )

    def digest(self, node: _Node) -> DigestSettings:
        fields = self.mapping(node, ("time", "max_items", "min_score", "send_when_empty", "to"))
        default = DigestSettings()
        to = self.optional(fields, "to", lambda n: n, None)
        recipients: tuple[str, ...] = ()
        if to is not None:
            items = [to] if isinstance(to.value, str) else self.sequence(to)
            for n in items:
                address = self.string(n).strip()
                if "@" not in address or any(c in address for c in "\r\n"):
                    raise n.error(
                        Message(N_("not an email address: {address}"), address=repr(address))
                    )
                recipients += (address,)
        return DigestSettings(
            time=self.optional(fields, "time", self.clock_time, default.time),
            max_items=self.optional(
                fields,
                "max_items",
                lambda n: self.integer(n, minimum=1, maximum=500),
                default.max_items,
            ),
            min_score=self.optional(
                fields, "min_score", lambda n: self.number(n, maximum=1.0), default.min_score
            ),
            send_when_empty=self.optional(
                fields, "send_when_empty", self.boolean, default.send_when_empty
            ),
            to=recipients,
        )

    def scoring(self, node: _Node) -> ScoringSettings:
        fields = self.mapping(node, ("freshness_half_life_hours", "max_per_source", "diversity"))
        default = ScoringSettings()
        return ScoringSettings(
            freshness_half_life_hours=self.optional(
                fields,
                "freshness_half_life_hours",
                lambda n: self.number(n, minimum=1.0, maximum=8784),
                default.freshness_half_life_hours,
            ),
            max_per_source=self.optional(
                fields,
                "max_per_source",
                lambda n: self.integer(n, minimum=1, maximum=1000),
                default.max_per_source,
            ),
            diversity=self.optional(
                fields, "diversity", lambda n: self.number(n, maximum=1.0), default.diversity
            ),
        )

    def score_pass(self, node: _Node) -> ScorePassSettings:
        fields = self.mapping(node, ("processes",))
        return ScorePassSettings(
            processes=self.optional(
                fields, "processes", lambda n: self.integer(n, minimum=1, maximum=64), None
            )
        )

    def feed(self, node: _Node) -> FeedSource:
        if isinstance(node.value, str):  # the short form: just the URL
            node = _Node({"url": node.value}, node.path, node.field, node.line)
        fields = self.mapping(
            node, ("url", "name", "interval", "weight", "full_text", "paused", "tags")
        )
        if "url" not in fields:
            raise node.error(Message(N_("a feed needs 'url'")))
        url = self.string(fields["url"]).strip()
        if not re.match(r"https?://[^/\s]+", url):
            raise fields["url"].error(
                Message(
                    N_("feed URL must start with http:// or https://, got {url}"), url=repr(url)
                )
            )
        return FeedSource(
            url=url,
            name=self.optional(fields, "name", lambda n: self.string(n).strip(), None),
            interval_minutes=self.optional(fields, "interval", self.minutes, None),
            weight=self.optional(fields, "weight", lambda n: self.number(n, maximum=10.0), 1.0),
            full_text=FullTextMode(
                self.optional(
                    fields,
                    "full_text",
                    lambda n: self.choice(n, ("auto", "always", "never")),
                    "auto",
                )
            ),
            paused=self.optional(fields, "paused", self.boolean, False),
            tags=self.optional(fields, "tags", self.tags, ()),
        )

    def tags(self, node: _Node) -> tuple[str, ...]:
        if isinstance(node.value, str):  # one tag written without a list
            node = _Node([node.value], node.path, node.field, node.line)
        tags = (self.string(n).strip() for n in self.sequence(node))
        return tuple(dict.fromkeys(t for t in tags if t))

    def fetch(self, node: _Node) -> FetchSettings:
        fields = self.mapping(
            node,
            (
                "interval",
                "timeout",
                "max_body",
                "max_redirects",
                "concurrency",
                "per_host",
                "max_backoff",
                "disable_after_days",
                "allow_private_addresses",
                "user_agent",
                "full_text_per_feed",
            ),
        )
        d = FetchSettings()
        return FetchSettings(
            default_interval_minutes=self.optional(
                fields, "interval", self.minutes, d.default_interval_minutes
            ),
            timeout_seconds=self.optional(
                fields,
                "timeout",
                lambda n: self.number(n, minimum=0.1, maximum=600),
                d.timeout_seconds,
            ),
            max_body_bytes=self.optional(fields, "max_body", self.size, d.max_body_bytes),
            max_redirects=self.optional(
                fields, "max_redirects", lambda n: self.integer(n, maximum=20), d.max_redirects
            ),
            concurrency=self.optional(
                fields,
                "concurrency",
                lambda n: self.integer(n, minimum=1, maximum=100),
                d.concurrency,
            ),
            per_host=self.optional(
                fields, "per_host", lambda n: self.integer(n, minimum=1, maximum=20), d.per_host
            ),
            max_backoff_minutes=self.optional(
                fields, "max_backoff", self.minutes, d.max_backoff_minutes
            ),
            disable_after_days=self.optional(
                fields,
                "disable_after_days",
                lambda n: self.number(n, minimum=0.01, maximum=365),
                d.disable_after_days,
            ),
            allow_private_addresses=self.optional(
                fields, "allow_private_addresses", self.boolean, d.allow_private_addresses
            ),
            user_agent=self.optional(fields, "user_agent", self.string, d.user_agent),
            full_text_per_feed=self.optional(
                fields,
                "full_text_per_feed",
                lambda n: self.integer(n, maximum=1000),
                d.full_text_per_feed,
            ),
        )

    def smtp(self, node: _Node) -> SmtpSettings:
        fields = self.mapping(node, ("host", "port", "security", "user", "from", "timeout"))
        d = SmtpSettings()
        security = self.optional(
            fields, "security", lambda n: self.choice(n, ("starttls", "ssl", "none")), d.security
        )
        default_port = {"ssl": 465, "starttls": 587, "none": 25}[security]
        return SmtpSettings(
            host=self.optional(fields, "host", self.string, d.host),
            port=self.optional(
                fields, "port", lambda n: self.integer(n, minimum=1, maximum=MAX_PORT), default_port
            ),
            security=security,
            user=self.optional(fields, "user", self.string, None),
            password=self.env.get(ENV_SMTP_PASSWORD) or None,
            sender=self.optional(fields, "from", self.string, d.sender),
            timeout_seconds=self.optional(
                fields,
                "timeout",
                lambda n: self.number(n, minimum=0.1, maximum=600),
                d.timeout_seconds,
            ),
        )

    def calendar(self, node: _Node) -> CalendarSettings:
        fields = self.mapping(
            node, ("alarm_minutes", "refresh_minutes", "keep_cancelled", "output_dir")
        )
        d = CalendarSettings()
        alarm_node = fields.get("alarm_minutes")
        alarm = d.alarm_minutes
        if alarm_node is not None:
            alarm = (
                None
                if alarm_node.value in (None, False)
                else self.integer(alarm_node, maximum=7 * 1440)
            )
        return CalendarSettings(
            alarm_minutes=alarm,
            refresh_minutes=self.optional(
                fields,
                "refresh_minutes",
                lambda n: self.integer(n, minimum=5, maximum=7 * 1440),
                d.refresh_minutes,
            ),
            keep_cancelled=self.optional(fields, "keep_cancelled", self.boolean, d.keep_cancelled),
            output_dir=self.optional(fields, "output_dir", self.string, d.output_dir),
        )

    def serve(self, node: _Node) -> ServeSettings:
        fields = self.mapping(node, ("host", "port", "token", "digest_catchup_hours", "public_url"))
        d = ServeSettings()
        public_url = self.optional(fields, "public_url", self.string, None)
        if public_url is not None:
            where = fields["public_url"]
            if not re.match(r"https?://[^/\s]+", public_url):
                raise where.error(
                    Message(
                        N_(
                            "expected the workspace's address, like https://curator.example.org, "
                            "got {url}"
                        ),
                        url=repr(public_url),
                    )
                )
            if "token" not in fields:
                raise where.error(
                    Message(N_("needs serve.token: the digest links are signed with it"))
                )
        return ServeSettings(
            public_url=public_url,
            host=self.optional(fields, "host", self.string, d.host),
            port=self.optional(
                fields, "port", lambda n: self.integer(n, minimum=1, maximum=MAX_PORT), d.port
            ),
            token=self.optional(fields, "token", self.string, None),
            digest_catchup_hours=self.optional(
                fields,
                "digest_catchup_hours",
                lambda n: self.number(n, maximum=168),
                d.digest_catchup_hours,
            ),
        )


def _describe(value: Any) -> str:
    if value is None:
        return Message(N_("nothing"))
    if isinstance(value, bool):
        return Message(N_("{value} (a boolean)"), value=str(value).lower())
    if isinstance(value, Mapping):
        return Message(N_("a mapping"))
    if isinstance(value, list):
        return Message(N_("a list"))
    if isinstance(value, int | float):
        return Message(N_("{value} (a number)"), value=value)
    return repr(str(value))


def _out_of_range(minimum: object, maximum: object, value: object) -> Message:
    return Message(
        N_("must be between {minimum} and {maximum}, got {value}"),
        minimum=minimum,
        maximum=maximum,
        value=value,
    )


def _week_minute(rule: SlotRule) -> int:
    return rule.weekday * 24 * 60 + rule.time.hour * 60 + rule.time.minute
