"""`--json` on the commands scripts run: `plan`, `run`, `queue apply`, `digest --status`
(issue 16). Real SQLite file, the review world's items and clock."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from curator.cli import cli
from curator.store import digests
from curator.types import Digest, DigestState
from tests.support.review import NOW, ReviewWorld, make_world


@pytest.fixture
def world(tmp_path: Path) -> ReviewWorld:
    return make_world(tmp_path)


def run(world: ReviewWorld, *args: str, input: str | None = None) -> Result:
    # The world's clock: CURATOR_CLOCK_OFFSET shifts the wall clock to NOW, so nothing here
    # depends on today's date.
    offset = str((NOW - datetime.now(UTC)).total_seconds())
    return CliRunner(env={"CURATOR_CLOCK_OFFSET": offset}).invoke(
        cli, ["--config", str(world.config), "--db", world.db_url, *args], input=input
    )


def test_plan_json_counts_each_profile_s_slots(world: ReviewWorld) -> None:
    app = world.open()
    app.approve("claire", world.ids[0], "Un commentaire assez long pour être prêt.")
    app.close()
    result = run(world, "plan", "--json")
    assert result.exit_code == 0, result.output
    (claire,) = json.loads(result.output)["profiles"]
    assert claire["profile"] == "claire"
    upcoming = claire["upcoming"]
    assert upcoming and all(s["start"] > NOW.isoformat()[:10] for s in upcoming)
    taken = [s for s in upcoming if s["item_id"] == world.ids[0]]
    assert len(taken) == 1 and taken[0]["status"] == "ready"
    assert claire["empty"] == sum(1 for s in upcoming if s["status"] == "empty")


def test_queue_apply_json_reports_every_line(world: ReviewWorld) -> None:
    lines = "\n".join(
        [
            json.dumps({"id": world.ids[1], "action": "reject", "reason": "hors sujet"}),
            json.dumps({"id": 999, "action": "reject"}),
        ]
    )
    result = run(world, "queue", "apply", "-", "--json", input=lines)
    assert result.exit_code == 1  # one line failed
    data = json.loads(result.output)
    assert (data["applied"], data["failed"]) == (1, 1)
    first, second = data["lines"]
    assert first["ok"] and first["id"] == world.ids[1] and first["action"] == "reject"
    assert not second["ok"] and "999" in second["error"] and second["line"] == 2


def test_digest_status_json(world: ReviewWorld) -> None:
    app = world.open()
    with app.db.session() as session:
        digests.save(
            session,
            Digest("claire", date(2026, 11, 27), DigestState.SENT, "<m@x>", attempts=1,
                   sent_at=NOW, item_ids=(world.ids[0], world.ids[1])),
            NOW,
        )  # fmt: skip
    app.close()
    result = run(world, "digest", "--status", "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["profile"] == "claire" and row["day"] == "2026-11-27"
    assert row["state"] == "sent" and row["items"] == 2
    assert row["sent_at"] == NOW.isoformat()
    assert run(world, "digest", "--dry-run", "--json").exit_code == 2  # --json is for --status


def test_run_json_lists_the_stages(world: ReviewWorld) -> None:
    result = run(world, "run", "--json")
    assert result.exit_code == 0, result.output
    stages = json.loads(result.output)["stages"]
    names = [s["name"] for s in stages]
    assert "fetch" in names and "plan" in names
    assert all(isinstance(s["summary"], str) and s["seconds"] >= 0 for s in stages)
    assert timedelta(0) <= timedelta(seconds=sum(s["seconds"] for s in stages))
