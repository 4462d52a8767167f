"""feeds.yaml: each kind of mistake gives a message naming the file, the line and the field."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from curator.config import (
    load_settings,
    parse_settings,
    resolve_config_path,
    resolve_database_url,
)
from curator.errors import ConfigError, ConfigNotFound
from curator.types import Follow, FullTextMode, SlotKind

REPO = Path(__file__).resolve().parents[1]

GOOD = """\
database: sqlite:///data/curator.db
profiles:
  - name: claire
    objective: Recrutement tech
    language: fr
    timezone: Europe/Paris
    keywords: {boost: [data], block: [crypto]}
    examples: ["https://example.org/great-post"]
    schedule:
      slots:
        - {day: mon, time: "08:30", kind: relay}
        - {day: thu, time: "08:30", kind: original}
      horizon_days: 21
      blackout: ["2026-12-24..2027-01-02", "2027-05-01"]
      weekly_minutes: 90
    digest: {time: "07:00", to: claire@example.org}
feeds:
  - url: https://example.org/feed.xml
    name: Example
    interval: 2h
    weight: 1.5
    full_text: always
  - https://other.example.org/rss
fetch: {max_body: 5MB, per_host: 1}
smtp: {host: mail.example.org, security: starttls, user: claire, from: curator@example.org}
serve: {port: 9000}
calendar: {alarm_minutes: null}
score: {processes: 3}
"""


def parse(text: str, env: dict[str, str] | None = None):
    return parse_settings(text, Path("/cfg/feeds.yaml"), env=env or {})


def test_a_complete_file_reads_into_settings() -> None:
    settings = parse(GOOD, env={"CURATOR_SMTP_PASSWORD": "s3cret"})
    claire = settings.profile("claire")
    assert claire.language == "fr" and claire.timezone == "Europe/Paris"
    assert claire.keywords.block == ("crypto",)
    assert [(r.weekday, r.time, r.kind) for r in claire.schedule.slots] == [
        (0, time(8, 30), SlotKind.RELAY),
        (3, time(8, 30), SlotKind.ORIGINAL),
    ]
    assert claire.schedule.blackout == (
        (date(2026, 12, 24), date(2027, 1, 2)),
        (date(2027, 5, 1), date(2027, 5, 1)),
    )
    assert claire.digest.to == ("claire@example.org",)
    first, second = settings.feeds
    assert (first.interval_minutes, first.weight, first.full_text) == (
        120,
        1.5,
        FullTextMode.ALWAYS,
    )
    assert second.url == "https://other.example.org/rss"
    assert settings.fetch.max_body_bytes == 5 * 1024 * 1024
    assert settings.smtp is not None and settings.smtp.port == 587
    assert settings.smtp.password == "s3cret"  # from the environment only
    assert settings.calendar.alarm_minutes is None
    assert settings.score.processes == 3
    assert parse("profiles: []\n").score.processes is None  # one process
    # a relative SQLite path is relative to the file, not to the working directory
    assert settings.database == "sqlite:////cfg/data/curator.db"


def test_the_example_feeds_yaml_and_the_starter_are_valid() -> None:
    assert load_settings(REPO / "feeds.yaml").profiles
    assert load_settings(REPO / "curator" / "templates" / "starter_feeds.yaml").profiles


def test_missing_file_says_where_it_looked_and_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigNotFound) as err:
        load_settings(tmp_path / "feeds.yaml", env={})
    message = str(err.value)
    assert str(tmp_path / "feeds.yaml") in message and "curator init" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("profiles:\n  - name: a\n    objective: [x\n", "feeds.yaml:4: YAML syntax error"),
        (
            "profiles:\n  - name: a\n    objectve: x\n",
            "feeds.yaml:3 (profiles[0].objectve): unknown key 'objectve'; "
            "did you mean 'objective'?",
        ),
        (
            "profiles:\n  - name: a\n    objective: x\n    timezone: Europe/Pariss\n",
            "feeds.yaml:4 (profiles[0].timezone): unknown time zone 'Europe/Pariss'",
        ),
        (
            "profiles:\n  - name: a\n    objective: x\n    language: de\n",
            "(profiles[0].language): 'de' is not one of fr, en, auto",
        ),
        (
            "feeds:\n  - url: https://a.example/f\n    weight: heavy\n",
            "feeds.yaml:3 (feeds[0].weight): expected a number, got 'heavy'",
        ),
        (
            "profiles:\n  - {name: a, objective: x}\n  - {name: a, objective: y}\n",
            "feeds.yaml:3 (profiles[1]): duplicate profile name 'a' (also at /cfg/feeds.yaml:2)",
        ),
        (
            "feeds:\n  - url: https://a.example/f\n  - url: https://a.example/f\n",
            "feeds.yaml:3 (feeds[1]): duplicate feed URL https://a.example/f "
            "(also at /cfg/feeds.yaml:2)",
        ),
        ("feeds:\n  - url: ftp://a.example/f\n", "must start with http:// or https://"),
        (
            "profiles:\n  - name: a\n    objective: x\n    schedule:\n      slots:\n"
            "        - {day: mnday, time: '08:30'}\n",
            "(profiles[0].schedule.slots[0].day): unknown weekday 'mnday'",
        ),
        (
            "profiles:\n  - name: a\n    objective: x\n    schedule:\n      slots:\n"
            "        - {day: mon, time: '25:00'}\n",
            "(profiles[0].schedule.slots[0].time): expected a time of day",
        ),
        (
            "profiles:\n  - name: a\n    objective: x\n    schedule:\n      slots:\n"
            "        - {day: mon, time: '08:30'}\n        - {day: mon, time: '08:30'}\n",
            "duplicate slot mon 08:30 (also at line 6)",
        ),
        (
            "profiles:\n  - name: a\n    objective: x\n    schedule:\n      slots:\n"
            "        - {day: mon, time: '08:30'}\n        - {day: mon, time: '08:40'}\n",
            "overlaps the slot at line 6",
        ),
        (
            "profiles:\n  - name: a\n    objective: x\n    schedule:\n"
            "      blackout: ['2027-01-02..2026-12-24']\n",
            "feeds.yaml:5 (profiles[0].schedule.blackout[0]): blackout range "
            "'2027-01-02..2026-12-24' ends before it starts",
        ),
        (
            "profiles:\n  - name: a\n    objective: x\n    schedule:\n      weekly_minutes: 5\n",
            "(profiles[0].schedule.weekly_minutes): a budget of 5 minutes a week is smaller "
            "than one post",
        ),
        ("smtp: {security: tls}\n", "(smtp.security): 'tls' is not one of starttls, ssl, none"),
        ("score: {processes: 0}\n", "(score.processes): must be between 1 and 64, got 0"),
        ("fetch: {max_body: lots}\n", "(fetch.max_body): expected a size like 10MB"),
        ("profiles: {name: a}\n", "(profiles): expected a list, got a mapping"),
        ("profiles:\n  - objective: x\n", "feeds.yaml:2 (profiles[0]): a profile needs 'name'"),
        (
            "profiles:\n  - name: alice\n    objective: x\n  - name: bob\n    objective: y\n"
            "    follow: [alcie]\n",
            "feeds.yaml:6 (profiles[1].follow[0]): unknown profile 'alcie' to follow; "
            "did you mean 'alice'?",
        ),
        (
            "profiles:\n  - name: bob\n    objective: y\n    follow:\n      - profile: bob\n",
            "feeds.yaml:5 (profiles[0].follow[0].profile): profile 'bob' cannot follow itself",
        ),
        (
            "profiles:\n  - {name: alice, objective: x}\n  - name: bob\n    objective: y\n"
            "    follow: [{profile: alice, weight: 20}]\n",
            "(profiles[1].follow[0].weight): must be between 0 and 10, got 20",
        ),
        (
            "profiles:\n  - {name: alice, objective: x}\n  - name: bob\n    objective: y\n"
            "    follow: [alice, {profile: alice}]\n",
            "profile 'alice' is followed twice",
        ),
    ],
)
def test_each_mistake_has_a_clear_message(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse(text)
    assert expected in str(err.value)


@pytest.mark.parametrize(
    ("text", "french"),
    [
        (
            "profiles:\n  - name: a\n    objectve: x\n",
            "/cfg/feeds.yaml:3 (profiles[0].objectve): clé inconnue 'objectve'\u00a0; "
            "vouliez-vous dire 'objective'\u00a0?",
        ),
        (
            "feeds:\n  - url: https://a.example/f\n    weight: heavy\n",
            "/cfg/feeds.yaml:3 (feeds[0].weight): un nombre est attendu, reçu 'heavy'",
        ),
        (
            "profiles:\n  - {name: a, objective: x}\n  - {name: a, objective: y}\n",
            "/cfg/feeds.yaml:3 (profiles[1]): nom de profil 'a' en double "
            "(aussi à /cfg/feeds.yaml:2)",
        ),
        (
            "profiles: {name: a}\n",
            "/cfg/feeds.yaml:1 (profiles): une liste est attendue, reçu un dictionnaire de clés",
        ),
        (
            "profiles:\n  - name: a\n    objective: [x\n",
            "/cfg/feeds.yaml:4: erreur de syntaxe YAML",
        ),
    ],
)
def test_each_mistake_reads_in_french_after_its_place(text: str, french: str) -> None:
    """feeds.yaml is read before any profile is known: the CLI says its errors in the
    locale's language, the file and line in front (issue 16)."""
    from curator.i18n import language

    with pytest.raises(ConfigError) as err:
        parse(text)
    said = language("fr").say_error(err.value)
    assert said.startswith(french), said
    assert language("en").say_error(err.value) == str(err.value)


def test_precedence_flag_over_environment_over_file_over_default(tmp_path: Path) -> None:
    settings = parse_settings("database: sqlite:///in-file.db\n", tmp_path / "feeds.yaml", env={})
    env = {"CURATOR_DB": "sqlite:///from-env.db", "CURATOR_CONFIG": "/etc/env.yaml"}
    assert resolve_database_url("sqlite:///flag.db", settings, env) == "sqlite:///flag.db"
    assert resolve_database_url(None, settings, env) == "sqlite:///from-env.db"
    assert resolve_database_url(None, settings, {}) == f"sqlite:///{tmp_path / 'in-file.db'}"
    bare = parse_settings("", tmp_path / "feeds.yaml", env={})
    assert resolve_database_url(None, bare, {}) == f"sqlite:///{tmp_path / 'curator.db'}"
    assert resolve_config_path("cli.yaml", env) == Path("cli.yaml")
    assert resolve_config_path(None, env) == Path("/etc/env.yaml")
    assert resolve_config_path(None, {}) == Path("feeds.yaml")


def test_unquoted_time_read_by_yaml_as_a_number_is_still_understood() -> None:
    text = "profiles:\n  - name: a\n    objective: x\n    digest: {time: 07:30}\n"
    assert parse(text).profile("a").digest.time == time(7, 30)


def test_the_per_user_configuration_is_found_from_any_folder(tmp_path, monkeypatch) -> None:
    """Issue 16: ./feeds.yaml first, else $XDG_CONFIG_HOME/curator/feeds.yaml."""
    from curator.config import resolve_config_path, user_config_path

    xdg = tmp_path / "xdg"
    (xdg / "curator").mkdir(parents=True)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    env = {"XDG_CONFIG_HOME": str(xdg)}
    assert user_config_path(env) == xdg / "curator" / "feeds.yaml"
    assert resolve_config_path(None, env) == Path("feeds.yaml")  # none anywhere: init writes here
    (xdg / "curator" / "feeds.yaml").write_text("profiles: []\n", encoding="utf-8")
    assert resolve_config_path(None, env) == xdg / "curator" / "feeds.yaml"
    (work / "feeds.yaml").write_text("profiles: []\n", encoding="utf-8")
    assert resolve_config_path(None, env) == Path("feeds.yaml")  # the folder's own wins
    assert resolve_config_path("other.yaml", env) == Path("other.yaml")
    assert resolve_config_path(None, env | {"CURATOR_CONFIG": "x.yaml"}) == Path("x.yaml")
    # a relative XDG_CONFIG_HOME is ignored, as the specification says
    home = user_config_path({"XDG_CONFIG_HOME": "rel"})
    assert home == Path.home() / ".config" / "curator" / "feeds.yaml"


def test_same_source_gap_and_feed_tags_and_paused() -> None:
    """Issue 16: the variety preference's reach, a feed's tags and its pause."""
    text = (
        "profiles:\n  - name: a\n    objective: x\n    schedule: {same_source_gap: 0}\n"
        "feeds:\n  - {url: 'https://a.test/rss', tags: [RH, Veille, RH], paused: true}\n"
        "  - {url: 'https://b.test/rss', tags: RH}\n  - https://c.test/rss\n"
    )
    settings = parse_settings(text, Path("/cfg/feeds.yaml"), env={})
    assert settings.profiles[0].schedule.same_source_gap == 0
    a, b, c = settings.feeds
    assert (a.tags, a.paused) == (("RH", "Veille"), True)
    assert (b.tags, b.paused) == (("RH",), False)
    assert (c.tags, c.paused) == ((), False)
    assert parse_settings("profiles: []\n", Path("/f.yaml"), env={}).profiles == ()
    with pytest.raises(ConfigError, match=r"same_source_gap.*between 0 and 10"):
        parse_settings(text.replace("same_source_gap: 0", "same_source_gap: -1"), Path("/f"), {})


def test_follow_names_a_colleague_with_an_optional_weight() -> None:
    settings = parse(
        "profiles:\n  - {name: alice, objective: x}\n  - {name: carol, objective: z}\n"
        "  - name: bob\n    objective: y\n"
        "    follow: [alice, {profile: carol, weight: 1.5}]\n"
    )
    assert settings.profile("bob").follow == (Follow("alice", 1.0), Follow("carol", 1.5))
    assert settings.profile("alice").follow == ()
