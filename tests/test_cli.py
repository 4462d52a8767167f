"""The command line: one error boundary, help for every command, the foundation commands."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from curator.cli import cli, main


def _walk(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _walk(command, (*prefix, name))


ALL_COMMANDS = list(_walk(cli))


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    command = cli
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert command.help, f"`curator {' '.join(path)}` has no help text"


def test_every_command_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [" ".join(p) for p in ALL_COMMANDS if f"curator {' '.join(p)}" not in readme]
    assert not missing, f"commands missing from README.md: {missing}"


def run_main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_missing_config_is_one_line_and_exit_1(capsys, tmp_path: Path) -> None:
    code, _, err = run_main(capsys, "--config", str(tmp_path / "nope.yaml"), "feeds", "list")
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "nope.yaml" in err and "curator init" in err


def test_bad_config_names_file_and_line(capsys, write_config) -> None:
    path = write_config("profiles:\n  - name: a\n    objectiv: x\n")
    code, _, err = run_main(capsys, "--config", str(path), "feeds", "list")
    assert code == 1
    assert f"{path}:3" in err and "did you mean 'objective'" in err


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "malformed database URL"),
        ("mysql+nodriver://x/y", "unsupported database URL"),
        ("sqlite:////no/such/folder/x.db", "folder /no/such/folder does not exist"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot connect to database"),
    ],
)
def test_bad_database_url_is_one_clear_line(capsys, write_config, url: str, expected: str) -> None:
    path = write_config()
    code, _, err = run_main(capsys, "--config", str(path), "--db", url, "feeds", "list")
    assert code == 1, err
    assert expected in err and err.count("\n") == 1


def test_usage_error_exits_2(capsys) -> None:
    code, _, err = run_main(capsys, "feeds", "list", "--no-such-flag")
    assert code == 2
    assert "No such option" in err


def test_version(capsys) -> None:
    code, out, _ = run_main(capsys, "--version")
    assert code == 0 and "curator" in out


def test_init_writes_a_valid_starter_and_refuses_to_overwrite(capsys, tmp_path: Path) -> None:
    path = tmp_path / "feeds.yaml"
    code, out, _ = run_main(capsys, "--config", str(path), "init")
    assert code == 0 and path.is_file() and "Wrote" in out
    code, _, err = run_main(capsys, "--config", str(path), "init")
    assert code == 1 and "already exists" in err


def test_db_upgrade_creates_a_migrated_sqlite_file(capsys, write_config, tmp_path: Path) -> None:
    path = write_config()
    db_file = tmp_path / "fresh.db"
    code, out, _ = run_main(
        capsys, "--config", str(path), "--db", f"sqlite:///{db_file}", "db", "upgrade"
    )
    assert code == 0 and db_file.is_file() and "Migrated" in out
    code, out, _ = run_main(
        capsys, "--config", str(path), "--db", f"sqlite:///{db_file}", "db", "upgrade"
    )
    assert code == 0 and "up to date" in out


def test_feeds_list_json_shows_configured_feeds(capsys, write_config, tmp_path: Path) -> None:
    path = write_config()
    code, out, _ = run_main(capsys, "--config", str(path), "feeds", "list", "--json")
    assert code == 0
    feeds = json.loads(out)
    assert [f["url"] for f in feeds] == ["http://127.0.0.1:9/feed.xml"]
    assert feeds[0]["status"] == "active" and feeds[0]["display_name"] == "Local"
    # the fetcher's bookkeeping is not for scripts (issue 16)
    assert not {"etag", "last_modified", "body_digest", "ttl_minutes"} & feeds[0].keys()
    # the default database sits beside the configuration file
    assert (tmp_path / "curator.db").is_file()


def test_environment_selects_config_and_database(
    write_config: Callable[..., Path], tmp_path: Path
) -> None:
    path = write_config()
    env_db = tmp_path / "env.db"
    result = subprocess.run(
        [sys.executable, "-m", "curator", "feeds", "list", "--json"],
        env={"CURATOR_CONFIG": str(path), "CURATOR_DB": f"sqlite:///{env_db}", "PATH": "/usr/bin"},
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert env_db.is_file() and not (tmp_path / "curator.db").exists()


def test_fetch_exits_1_when_no_feed_could_be_fetched(capsys, write_config) -> None:
    # MINIMAL_CONFIG's only feed is on a closed port: the failure is named, and the exit code
    # tells scripts that nothing at all was fetched.
    path = write_config()
    code, out, err = run_main(capsys, "--config", str(path), "fetch")
    assert code == 1
    assert "failed: Local:" in out
    assert "no feed could be fetched" in err and "Traceback" not in err


def _process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m curator ...` as a user runs it: a process of its own, output piped."""
    return subprocess.run(
        [sys.executable, "-m", "curator", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        timeout=120,
    )


def test_the_process_exits_with_the_command_s_code_and_all_its_output(
    write_config: Callable[..., Path], tmp_path: Path
) -> None:
    """The process skips the interpreter's teardown at exit: nothing else may change."""
    feeds = "".join(f"  - url: http://127.0.0.1:9/feed{i}.xml\n" for i in range(400))
    path = write_config("profiles:\n  - name: a\n    objective: data jobs\nfeeds:\n" + feeds)
    listed = _process("--config", str(path), "feeds", "list", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 400  # every byte of a large output arrives
    missing = _process("--config", str(tmp_path / "nope.yaml"), "feeds", "list", cwd=tmp_path)
    assert missing.returncode == 1 and "nope.yaml" in missing.stderr
    usage = _process("--no-such-option", cwd=tmp_path)
    assert usage.returncode == 2 and "no-such-option" in usage.stderr
    # The database was closed properly: SQLite folded its write-ahead log back in.
    assert (tmp_path / "curator.db").is_file() and not (tmp_path / "curator.db-wal").exists()


def test_a_feeds_yaml_mistake_reads_in_the_locale_language(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")  # no profile is known yet: the locale speaks
    config = tmp_path / "feeds.yaml"
    config.write_text("feeds:\n  - url: https://a.example/f\n    weight: heavy\n", "utf-8")
    code, _, err = run_main(capsys, "--config", str(config), "feeds", "list")
    assert code == 1 and err.count("\n") == 1
    assert f"{config}:3 (feeds[0].weight): un nombre est attendu, reçu 'heavy'" in err, err


@pytest.mark.parametrize(
    ("url", "french"),
    [
        ("not a url", "adresse de base de données mal formée 'not a url'\u00a0: attendu"),
        ("mysql+nodriver://x/y", "adresse de base de données non prise en charge"),
        ("sqlite:////no/such/folder/x.db", "le dossier /no/such/folder n’existe pas"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "connexion impossible à la base"),
    ],
)
def test_a_bad_database_url_reads_in_the_locale_language(
    capsys, write_config, monkeypatch: pytest.MonkeyPatch, url: str, french: str
) -> None:
    monkeypatch.setenv("LC_ALL", "fr_FR.UTF-8")
    path = write_config()
    code, _, err = run_main(capsys, "--config", str(path), "--db", url, "feeds", "list")
    assert code == 1 and err.count("\n") == 1
    assert french in err, err
