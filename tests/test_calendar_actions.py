"""What the plan gives the user to act on (issue 16): the text to paste and the share link in
`curator slot show` and `calendar --json`, and the subscription's Last-Modified. A real SQLite
file, the review world's French profile and clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from curator.cli import cli
from curator.outputs.ics_http import http_date
from tests.support.review import NOW, ReviewWorld, make_world

COMMENT = "Un avis de plus de vingt signes, prêt à publier."
SHARE = "https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fexample.org%2F"


@pytest.fixture
def world(tmp_path: Path) -> ReviewWorld:
    world = make_world(tmp_path)
    app = world.open()
    try:
        app.approve("claire", world.ids[0], COMMENT)
        app.approve("claire", world.ids[2])  # no comment yet
    finally:
        app.close()
    return world


def run(world: ReviewWorld, *args: str) -> Result:
    offset = str((NOW - datetime.now(UTC)).total_seconds())  # the world's clock
    return CliRunner(env={"CURATOR_CLOCK_OFFSET": offset}).invoke(
        cli, ["--config", str(world.config), "--db", world.db_url, *args]
    )


def _slots(world: ReviewWorld) -> dict[int, dict[str, object]]:
    result = run(world, "calendar", "--json")
    assert result.exit_code == 0, result.output
    return {s["item_id"]: s for s in json.loads(result.output) if s["item_id"] is not None}


def test_calendar_json_gives_the_paste_block_and_the_share_link(world: ReviewWorld) -> None:
    slots = _slots(world)
    ready, waiting = slots[world.ids[0]], slots[world.ids[2]]
    url = ready["item"]["url"]  # type: ignore[index]
    assert ready["status"] == "ready"
    assert ready["paste"] == f"{COMMENT}\n\n{url}"
    assert str(ready["share_url"]).startswith(SHARE) and str(url)[-8:] in str(ready["share_url"])
    assert waiting["status"] == "planned" and waiting["paste"] is None  # no comment yet
    assert str(waiting["share_url"]).startswith(SHARE)
    # the grid shows the share link under the ready relay only (the other needs its comment)
    grid = run(world, "calendar").output
    assert grid.count("partager sur LinkedIn") == 1


def test_slot_show_speaks_the_profile_s_language(world: ReviewWorld) -> None:
    slots = _slots(world)
    ready = slots[world.ids[0]]
    result = run(world, "slot", "show", str(ready["id"]))
    assert result.exit_code == 0, result.output
    out = result.output
    assert f"{ready['id']}  ven. 27 nov. 12:00 (heures de Europe/Paris)" in out
    assert "statut\u00a0: prêt" in out
    assert "Relais\u00a0: Le recrutement des data engineers en 2026 (Emploi Tech)" in out
    assert f"prêt à coller\u00a0:\n{COMMENT}\n\n{ready['item']['url']}" in out  # type: ignore[index]
    assert f"partager sur LinkedIn\u00a0: {SHARE}" in out
    waiting = run(world, "slot", "show", str(slots[world.ids[2]]["id"])).output
    assert "statut\u00a0: à commenter" in waiting and "prêt à coller" not in waiting
    assert "partager sur LinkedIn" in waiting
    assert run(world, "slot", "show", "nope").exit_code == 1


def test_the_subscription_answers_if_modified_since(world: ReviewWorld) -> None:
    app = world.open()
    try:
        first = app.calendar_http("claire", token=None, if_none_match=None)
        assert first.status == 200
        stamp = first.headers["Last-Modified"]
        assert stamp == http_date(NOW)  # the approvals re-planned now; nothing has started since
        again = app.calendar_http("claire", token=None, if_none_match=None, if_modified_since=stamp)
        assert again.status == 304 and again.body == b""
        before = app.calendar_http(
            "claire",
            token=None,
            if_none_match=None,
            if_modified_since="Thu, 26 Nov 2026 09:00:00 GMT",
        )
        assert before.status == 200
    finally:
        app.close()
