"""The cache of parsed feeds.yaml files (issue 19): used when the file is unchanged, never
when it changed, ignored when damaged, and a broken file's error is the same as without it."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from curator.config import load_settings
from curator.config_cache import ENV_NO_CACHE, MAX_ENTRIES, cache_folder, entry_for
from curator.errors import ConfigError

GOOD = """\
profiles:
  - name: claire
    objective: Recrutement tech
    timezone: Europe/Paris
feeds:
  - url: https://example.org/feed.xml
    weight: 1.5
smtp: {host: mail.example.org, user: claire}
"""

# An hour before the file's first write: edits then move its mtime on, unless a test puts it back.
EARLIER = 1_700_000_000_000_000_000


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"XDG_CACHE_HOME": str(tmp_path / "cache")}


def write(path: Path, text: str, mtime_ns: int | None = None) -> Path:
    path.write_text(text, encoding="utf-8")
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))
    return path


def cached_files(env: dict[str, str]) -> list[Path]:
    folder = cache_folder(env)
    return sorted(folder.glob("*.pickle")) if folder.is_dir() else []


def test_an_unchanged_file_is_read_from_the_cache(tmp_path: Path, env: dict[str, str]) -> None:
    path = write(tmp_path / "feeds.yaml", GOOD, EARLIER)
    settings = load_settings(path, env)
    assert [p.name for p in settings.profiles] == ["claire"]
    assert len(cached_files(env)) == 1
    # What the entry holds is what a second start gets: mark it, and the mark comes back.
    entry = entry_for(path, GOOD, env)
    assert entry is not None
    entry.store(replace(settings, database="sqlite:////marked.db"))
    again = load_settings(path, env)
    assert again.database == "sqlite:////marked.db"
    assert replace(again, database=None) == settings


def test_an_edited_file_is_parsed_again_even_with_its_size_and_mtime_kept(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = write(tmp_path / "feeds.yaml", GOOD, EARLIER)
    assert load_settings(path, env).feeds[0].weight == 1.5
    # Same size, same mtime_ns (an edit within one tick of the file system's clock): the
    # text's digest still tells the entry is stale.
    write(path, GOOD.replace("weight: 1.5", "weight: 2.5"), EARLIER)
    assert load_settings(path, env).feeds[0].weight == 2.5
    # An ordinary edit
    write(path, GOOD.replace("weight: 1.5", "weight: 3"))
    assert load_settings(path, env).feeds[0].weight == 3.0
    assert len(cached_files(env)) == 1  # one entry per file, rewritten


@pytest.mark.parametrize(
    "damage",
    [b"", b"not a pickle at all", b"\x80\x05\x95\x10\x00\x00", b"\x80\x04K\x01."],
    ids=["empty", "text", "truncated", "another-shape"],
)
def test_a_damaged_cache_entry_is_ignored_and_written_again(
    tmp_path: Path, env: dict[str, str], damage: bytes
) -> None:
    path = write(tmp_path / "feeds.yaml", GOOD, EARLIER)
    expected = load_settings(path, env)
    (entry,) = cached_files(env)
    entry.write_bytes(damage)
    assert load_settings(path, env) == expected
    assert entry.read_bytes() != damage  # written again
    assert load_settings(path, env) == expected


def test_a_broken_file_names_its_file_and_line_with_a_good_version_cached(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = write(tmp_path / "feeds.yaml", GOOD, EARLIER)
    load_settings(path, env)
    write(path, GOOD.replace("    objective:", "    objectve:"), EARLIER)
    for _ in range(2):  # never cached: the same error each time
        with pytest.raises(ConfigError) as err:
            load_settings(path, env)
        assert str(err.value).startswith(
            f"{path}:3 (profiles[0].objectve): unknown key 'objectve'; did you mean 'objective'?"
        )
    write(path, GOOD.replace("weight: 1.5", "weight: [1.5"), EARLIER)
    with pytest.raises(ConfigError, match=r"feeds\.yaml:\d+: YAML syntax error"):
        load_settings(path, env)


def test_the_smtp_password_is_never_written_and_comes_from_each_start(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = write(tmp_path / "feeds.yaml", GOOD, EARLIER)
    first = load_settings(path, env | {"CURATOR_SMTP_PASSWORD": "s3cret-one"})
    assert first.smtp is not None and first.smtp.password == "s3cret-one"
    (entry,) = cached_files(env)
    assert b"s3cret-one" not in entry.read_bytes()
    second = load_settings(path, env | {"CURATOR_SMTP_PASSWORD": "s3cret-two"})
    assert second.smtp is not None and second.smtp.password == "s3cret-two"
    third = load_settings(path, env)
    assert third.smtp is not None and third.smtp.password is None


def test_the_same_file_named_two_ways_keeps_each_its_path(
    tmp_path: Path, env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings keep the path as given (messages name it): a relative name is its own entry."""
    path = write(tmp_path / "feeds.yaml", GOOD, EARLIER)
    monkeypatch.chdir(tmp_path)
    assert load_settings(path, env).path == path
    assert load_settings(Path("feeds.yaml"), env).path == Path("feeds.yaml")
    assert load_settings(path, env).path == path


def test_the_cache_can_be_turned_off_and_an_unwritable_folder_only_costs_speed(
    tmp_path: Path, env: dict[str, str]
) -> None:
    path = write(tmp_path / "feeds.yaml", GOOD, EARLIER)
    assert load_settings(path, env | {ENV_NO_CACHE: "1"}).profiles
    assert cached_files(env) == []
    blocked = {"XDG_CACHE_HOME": str(path)}  # a file where the folder would go
    assert load_settings(path, blocked).profiles
    assert load_settings(path, blocked).profiles


def test_the_cache_keeps_the_most_recent_entries_only(tmp_path: Path, env: dict[str, str]) -> None:
    paths = [write(tmp_path / f"feeds-{n}.yaml", GOOD, EARLIER) for n in range(MAX_ENTRIES + 3)]
    for n, path in enumerate(paths):
        load_settings(path, env)
        # Written in order: make each entry's time its turn, whatever the clock's resolution.
        entry = entry_for(path, GOOD, env)
        assert entry is not None and entry.file.is_file()
        os.utime(entry.file, ns=(EARLIER + n, EARLIER + n))
    kept = cached_files(env)
    assert len(kept) == MAX_ENTRIES
    # the oldest went first: the last file loaded is still cached
    last = entry_for(paths[-1], GOOD, env)
    first = entry_for(paths[0], GOOD, env)
    assert last is not None and last.file in kept
    assert first is not None and first.file not in kept
