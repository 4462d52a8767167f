"""What the command line imports before it answers (issue 16).

`curator --help`, `--version` and shell completion must answer at once, and `queue show` must
not load the scorer to display an item. Time is not asserted here (bench/ measures it); what
decides it is which libraries a command imports, checked in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.review import NOW, make_world

ROOT = Path(__file__).resolve().parents[1]

# What the start-up never needs: storage, the configuration parser, the scorer, the renderers.
HEAVY = ("sqlalchemy", "alembic", "ruamel", "sklearn", "numpy", "scipy", "rich", "textual")
HEAVY_CURATOR = ("curator.app", "curator.store", "curator.config", "curator.plan")

_PROBE = """\
import json, sys
from curator.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as e:  # click's completion exits
    code = e.code
sys.stdout.flush()
print("\\n@@" + json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def _modules(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> tuple[str, set[str]]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=120,
    )
    _, _, listed = result.stderr.rpartition("\n@@")
    assert listed, result.stderr
    return result.stdout, set(json.loads(listed))


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return [n for n in names if n in modules or any(m.startswith(n + ".") for m in modules)]


@pytest.mark.slow
@pytest.mark.parametrize("args", [["--help"], ["--version"], ["queue", "--help"], ["slot", "-h"]])
def test_help_and_version_import_no_heavy_library(args: list[str]) -> None:
    out, modules = _modules(*args)
    assert "curator" in out
    assert _loaded(modules, HEAVY) == []
    assert _loaded(modules, HEAVY_CURATOR) == []


@pytest.mark.slow
def test_completing_commands_imports_no_heavy_library(tmp_path: Path) -> None:
    env = {"_CURATOR_COMPLETE": "bash_complete", "COMP_WORDS": "curator qu", "COMP_CWORD": "1"}
    out, modules = _modules(env=env, cwd=tmp_path)
    assert "plain,queue" in out
    assert _loaded(modules, HEAVY) == []


@pytest.mark.slow
def test_only_the_commands_the_service_answers_look_for_it(tmp_path: Path) -> None:
    """The relay (curator.cli.relay) is loaded by a command the running service could answer,
    never by the others, which would pay for it for nothing."""
    world = make_world(tmp_path)
    base = ["--config", str(world.config), "--db", world.db_url, "queue"]
    _, modules = _modules(*base, "list", cwd=tmp_path)
    assert "curator.cli.relay" not in modules
    out, modules = _modules(*base, "show", str(world.ids[0]), cwd=tmp_path)
    assert "Le recrutement des data engineers" in out  # no service: answered on its own
    assert "curator.cli.relay" in modules


@pytest.mark.slow
def test_queue_show_does_not_load_the_scorer(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    base = ["--config", str(world.config), "--db", world.db_url, "queue", "show"]
    out, modules = _modules(*base, str(world.ids[0]), cwd=tmp_path)
    assert "Le recrutement des data engineers" in out
    assert "--starter" in out  # says how to get the comment starter
    assert _loaded(modules, ("sklearn", "scipy")) == []
    # asked for, the starter is there, and the scorer with it
    out, modules = _modules(*base, str(world.ids[0]), "--starter", cwd=tmp_path)
    assert "Amorce de commentaire" in out  # claire reads French (issue 16)
    assert "curator.score" in modules
    assert "sklearn" not in modules  # only fitting a decision model needs it (issue 19)


@pytest.mark.slow
def test_a_cached_configuration_is_not_parsed_again(tmp_path: Path) -> None:
    """The second command on an unchanged feeds.yaml reads it from the cache (issue 19): no
    ruamel; an edited file is parsed again."""
    world = make_world(tmp_path)
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    base = ["--config", str(world.config), "--db", world.db_url, "queue", "show", str(world.ids[0])]
    first, modules = _modules(*base, env=env, cwd=tmp_path)
    assert "ruamel" in modules
    second, modules = _modules(*base, env=env, cwd=tmp_path)
    assert second == first and "Le recrutement des data engineers" in second
    assert _loaded(modules, ("ruamel",)) == []
    world.config.write_text(
        world.config.read_text(encoding="utf-8").replace(
            "min_comment_chars: 20", "min_comment_chars: 30"
        ),
        encoding="utf-8",
    )
    _, modules = _modules(*base, env=env, cwd=tmp_path)
    assert "ruamel" in modules


def _complete(
    world_config: Path, words: str, cwd: Path, extra: dict[str, str] | None = None
) -> list[str]:
    env = (extra or {}) | {
        "_CURATOR_COMPLETE": "bash_complete",
        "COMP_WORDS": f"curator --config {world_config} {words}",
        "COMP_CWORD": str(len(words.split(" ")) + 2),
    }
    out, _ = _modules(env=env, cwd=cwd)
    return [line.split(",", 1)[1] for line in out.splitlines() if line.startswith("plain,")]


@pytest.mark.slow
def test_completion_offers_profiles_feeds_and_slot_ids(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    assert _complete(world.config, "queue list --profile ", tmp_path) == ["claire"]
    assert _complete(world.config, "fetch --feed D", tmp_path) == ["Data Weekly"]
    app = world.open()
    try:
        app.plan("claire")
        ids = [s.id for s in app.calendar("claire").slots]
    finally:
        app.close()
    assert ids
    # The clock of the completion process is the world's (CURATOR_CLOCK_OFFSET, as rehearsals
    # use), so the slots "around now" do not depend on today's date.
    offset = (NOW - datetime.now(UTC)).total_seconds()
    env = {"CURATOR_CLOCK_OFFSET": str(offset)}
    assert _complete(world.config, "slot pin claire-", tmp_path, env) == ids
    assert _complete(world.config, f"slot comment {ids[1][:-3]}", tmp_path, env) == [ids[1]]


# What a decision on one item never needs (issue 19): the scorer, the fetcher and parser, the
# extractor, the review screen and rich's renderers, the calendar and digest writers, SMTP.
QUEUE_NEVER = (
    "sklearn", "scipy", "numpy", "feedparser", "trafilatura", "httpx", "textual", "rich",
    "icalendar", "jinja2", "css_inline", "smtplib", "alembic", "apscheduler",
)  # fmt: skip


COMMENT = "Un retour d'expérience utile : à lire avant de recruter un data engineer."


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["show", "{0}"], "Le recrutement des data engineers"),
        (["approve", "{0}", "--comment", COMMENT], "approuvé #{0}"),
        (["reject", "{1}", "--reason", "hors sujet"], "rejeté #{1}"),
        (["snooze", "{2}", "--until", "+3d"], "reporté #{2}"),
    ],
)  # fmt: skip
def test_queue_commands_import_no_heavy_library(tmp_path: Path, args: list[str], said: str) -> None:
    world = make_world(tmp_path)
    ids = [str(i) for i in world.ids]
    env = {"CURATOR_CLOCK_OFFSET": str((NOW - datetime.now(UTC)).total_seconds())}
    base = ["--config", str(world.config), "--db", world.db_url, "queue"]
    out, modules = _modules(*base, *[a.format(*ids) for a in args], env=env, cwd=tmp_path)
    assert said.format(*ids) in out
    assert _loaded(modules, QUEUE_NEVER) == []


@pytest.mark.slow
def test_queue_undo_imports_no_heavy_library(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    env = {"CURATOR_CLOCK_OFFSET": str((NOW - datetime.now(UTC)).total_seconds())}
    base = ["--config", str(world.config), "--db", world.db_url, "queue"]
    out, _ = _modules(*base, "reject", str(world.ids[0]), env=env, cwd=tmp_path)
    assert f"rejeté #{world.ids[0]}" in out
    out, modules = _modules(*base, "undo", env=env, cwd=tmp_path)
    assert f"n°\xa0{world.ids[0]}" in out
    assert _loaded(modules, QUEUE_NEVER) == []


@pytest.mark.slow
def test_status_loads_neither_the_scorer_nor_the_review_rules(tmp_path: Path) -> None:
    """`curator status` counts and lists (issue 19): none of the decision-only modules."""
    world = make_world(tmp_path)
    out, modules = _modules(
        "--config", str(world.config), "--db", world.db_url, "status", cwd=tmp_path
    )
    assert "Profile claire: 5 items waiting in the review queue" in out
    assert _loaded(modules, (*QUEUE_NEVER, *NO_PLANNING, "curator.review")) == []


# What a command that does not plan never needs (issue 19): the ideas and results rules, with
# their many value types, are loaded by planning and scoring.
NO_PLANNING = ("curator.ideas", "curator.results", "curator.store.ideas", "curator.store.results")


@pytest.mark.slow
def test_queue_show_and_slot_comment_load_no_planning_rules(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    base = ["--config", str(world.config), "--db", world.db_url]
    out, modules = _modules(*base, "queue", "show", str(world.ids[0]), cwd=tmp_path)
    assert "Le recrutement des data engineers" in out
    assert _loaded(modules, NO_PLANNING) == []
    app = world.open()
    try:
        placed = app.approve("claire", world.ids[1]).slot
    finally:
        app.close()
    assert placed is not None
    slot = placed.id
    env = {"CURATOR_CLOCK_OFFSET": str((NOW - datetime.now(UTC)).total_seconds())}
    text = "Mon avis : un retour d'expérience utile avant de recruter."
    out, modules = _modules(*base, "slot", "comment", slot, "--text", text, env=env, cwd=tmp_path)
    assert f"{slot}\xa0: prêt" in out, out  # claire reads French (issue 16)
    assert _loaded(modules, NO_PLANNING) == []


_ENTRY_POINT = """\
import atexit, gc, json, sys
from curator.cli import run
atexit.register(lambda: print("\\n@@" + json.dumps(
    {"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count(), "on": gc.isenabled()}
), file=sys.stderr))
sys.argv[0] = "curator"
run()
"""


@pytest.mark.slow
def test_the_collector_runs_as_before_once_the_facade_is_open(tmp_path: Path) -> None:
    """Start-up builds tens of thousands of objects that live as long as the process: the
    cyclic collector runs rarely until the facade is open (issue 19), then as often as ever,
    without going through what start-up built again."""
    world = make_world(tmp_path)
    args = ["--config", str(world.config), "--db", world.db_url, "status"]
    result = subprocess.run(
        [sys.executable, "-c", _ENTRY_POINT, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Profile claire" in result.stdout
    collector = json.loads(result.stderr.rpartition("\n@@")[2])
    import gc

    assert collector["on"] and tuple(collector["threshold"]) == gc.get_threshold()
    assert collector["frozen"] > 10_000
