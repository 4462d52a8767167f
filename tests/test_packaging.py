"""A real install: the wheel carries the migrations and templates and migrates a database.

The slow tests build from a copy of the worktree, so the build's by-products (build/,
curator.egg-info/) never land in the repository, and install into temporary folders only.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from curator.errors import StorageError
from curator.store import db
from curator.store.db import alembic_config, migrations_dir

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]

# Top-level things of a checkout that are not sources: never copied into the build folder.
NOT_SOURCES = {
    ".git", ".venv", "build", "dist", "curator-demo", ".pytest_cache", ".mypy_cache",
    ".ruff_cache",
}  # fmt: skip
# Printed by a subprocess: which curator it imported and which migrations it found.
WHERE_FROM = (
    "import curator, curator.store.db as d; print(curator.__file__); print(d.migrations_dir())"
)


def _source_files(folder: Path) -> list[Path]:
    return sorted(
        p.relative_to(folder)
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


def _head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CURATOR_", "PYTHON"))}
    # Offline and quiet: pip must not ask the index anything.
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PIP_NO_INDEX="1")
    env.update(extra)
    return env


def _run(args: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, (
        f"{' '.join(map(str, args))} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    )
    return proc.stdout


def _copy_sources(dest: Path) -> Path:
    def ignore(folder: str, names: list[str]) -> set[str]:
        skipped = {n for n in names if n == "__pycache__" or n.endswith((".egg-info", ".pyc"))}
        if Path(folder) == ROOT:
            skipped |= {n for n in names if n in NOT_SOURCES or n.endswith(".db")}
        return skipped

    return Path(shutil.copytree(ROOT, dest, ignore=ignore))


def _tables(db_file: Path) -> set[str]:
    with sqlite3.connect(db_file) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def _db_revision(db_file: Path) -> str:
    with sqlite3.connect(db_file) as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(revision)


def test_every_subpackage_is_listed_in_pyproject() -> None:
    # Packages are listed, not discovered (see pyproject.toml): a new folder under curator/ that
    # is missing from the list would silently be left out of the wheel.
    # Folders of data only (templates, static files, gettext catalogs) ship as package data;
    # the wheel test below checks that every file under curator/ is in the wheel.
    listed = set(SETUPTOOLS["packages"])
    on_disk = {
        ".".join(p.relative_to(ROOT).parts)
        for p in [ROOT / "curator", *(ROOT / "curator").rglob("*")]
        if p.is_dir() and p.name != "__pycache__" and any(p.glob("*.py"))
    }
    missing = sorted(on_disk - listed)
    assert not missing, f"add {missing} to [tool.setuptools] packages in pyproject.toml"
    assert SETUPTOOLS["package-dir"] == {"curator._migrations": "migrations"}
    assert {"curator._migrations", "curator._migrations.versions"} <= listed


def test_checkout_uses_the_top_level_migrations() -> None:
    assert migrations_dir() == ROOT / "migrations"
    assert alembic_config().get_main_option("script_location") == str(ROOT / "migrations")


def test_missing_migrations_is_a_storage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A package outside any checkout, installed without its migrations.
    monkeypatch.setattr(db, "__file__", str(tmp_path / "site" / "curator" / "store" / "db.py"))
    with pytest.raises(StorageError, match="cannot find curator's database migrations") as err:
        migrations_dir()
    assert str(tmp_path / "site" / "migrations") in str(err.value)
    assert "reinstall curator" in str(err.value)


def test_missing_migrations_fail_in_one_line_from_the_cli(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(
        ROOT / "curator", site / "curator", ignore=shutil.ignore_patterns("__pycache__")
    )
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run(
        [sys.executable, "-m", "curator", "--db", f"sqlite:///{work / 'x.db'}", "db", "upgrade"],
        cwd=work,
        env=_env(PYTHONPATH=str(site)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot find curator's database migrations" in lines[0], lines


@pytest.mark.slow
def test_wheel_ships_migrations_and_migrates_a_database(tmp_path: Path) -> None:
    src = _copy_sources(tmp_path / "src")
    dist = tmp_path / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", dist,
         "."],
        cwd=src,
        env=_env(),
    )  # fmt: skip
    (wheel,) = dist.glob("curator-*.whl")

    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    expected = {f"curator/_migrations/{p.as_posix()}" for p in _source_files(ROOT / "migrations")}
    expected |= {f"curator/{p.as_posix()}" for p in _source_files(ROOT / "curator")}
    assert {
        "curator/_migrations/env.py",
        "curator/_migrations/script.py.mako",
        "curator/templates/digest.html.j2",
        "curator/templates/starter_feeds.yaml",
        "curator/py.typed",
    } <= expected
    assert any(n.startswith("curator/_migrations/versions/") for n in expected)
    assert sorted(expected - names) == []
    # Nothing lands beside the package, e.g. a top-level `migrations` in site-packages.
    version = PYPROJECT["project"]["version"]
    assert {n.split("/")[0] for n in names} == {"curator", f"curator-{version}.dist-info"}

    site = tmp_path / "site"
    _run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", site, wheel],
        cwd=tmp_path,
        env=_env(),
    )
    work = tmp_path / "work"  # outside the repository: nothing there to import by accident
    work.mkdir()
    env = _env(PYTHONPATH=str(site))
    config, db_file = work / "feeds.yaml", work / "x.db"
    curator: list[str | Path] = [sys.executable, "-m", "curator", "--config", config]
    curator += ["--db", f"sqlite:///{db_file}"]

    where = _run([sys.executable, "-c", WHERE_FROM], cwd=work, env=env).splitlines()
    assert Path(where[0]) == site / "curator" / "__init__.py"
    assert Path(where[1]) == site / "curator" / "_migrations"

    _run([*curator, "db", "upgrade"], cwd=work, env=env)
    assert {"profiles", "feeds", "items", "scores", "slots", "digests"} <= _tables(db_file)
    assert _db_revision(db_file) == _head_revision()

    _run([*curator, "init"], cwd=work, env=env)
    assert "profiles:" in config.read_text(encoding="utf-8")
    listing = _run([*curator, "feeds", "list", "--json"], cwd=work, env=env)
    assert listing.strip().startswith("[")


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="the throwaway venv layout below is POSIX")
def test_editable_install_runs_from_anywhere(tmp_path: Path) -> None:
    src = _copy_sources(tmp_path / "src")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path, env=_env())
    python = venv / "bin" / "python"
    purelib = _run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        cwd=tmp_path,
        env=_env(),
    ).strip()
    # The dependencies (and pip, setuptools) come from the venv running these tests.
    shared = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "curator_test_deps.pth").write_text("\n".join(sorted(shared)) + "\n")
    _run(
        [python, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "-e", src],
        cwd=tmp_path,
        env=_env(),
    )

    work = tmp_path / "work"
    work.mkdir()
    commands: list[list[str | Path]] = [
        [python, "-m", "curator", "--help"],
        [venv / "bin" / "curator", "--help"],
    ]
    for command in commands:
        out = _run(command, cwd=work, env=_env())
        assert "Usage:" in out and "db" in out

    where = _run([python, "-c", WHERE_FROM], cwd=work, env=_env()).splitlines()
    assert Path(where[0]) == src / "curator" / "__init__.py"
    assert Path(where[1]) == src / "migrations"

    db_file = work / "x.db"
    _run([python, "-m", "curator", "--db", f"sqlite:///{db_file}", "db", "upgrade"], work, _env())
    assert _db_revision(db_file) == _head_revision()
