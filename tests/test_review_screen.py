"""The review screen's glue (widgets -> keys -> facade) with Textual's pilot, headless."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Static

from curator.cli.review_app import ReviewApp
from curator.review import Mode
from curator.store import decisions
from curator.types import DecisionKind
from tests.support.review import ReviewWorld, make_world


def current(world: ReviewWorld) -> dict[int, decisions.Decision]:
    app = world.open()
    with app.db.session() as session:
        result = decisions.current(session, "claire")
    app.close()
    return result


def run_screen(world: ReviewWorld, *keys: str) -> ReviewApp:
    curator = world.open()
    screen = ReviewApp(curator, curator.settings.profile("claire"))

    async def drive() -> None:
        async with screen.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            for key in keys:
                await pilot.press(key)
            await pilot.pause()

    asyncio.run(drive())
    curator.close()
    return screen


def test_multi_line_comment_from_the_inline_editor(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    screen = run_screen(world, "a", *typed("Ligne un"), "ctrl+j", *typed("Ligne deux"), "enter")
    assert screen.state.mode is Mode.LIST
    # claire reads French: the whole screen does (issue 16)
    message = screen.state.message
    assert "créneau relais" in message or "pas encore planifié" in message, message
    assert "comment shorter" not in message and "stays planned" not in message
    decided = current(world)
    assert decided[1].kind is DecisionKind.APPROVE
    assert decided[1].comment == "Ligne un\nLigne deux"


def test_filter_then_reject_with_a_reason(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    screen = run_screen(world, "slash", *typed("ecueil"), "enter", "r", *typed("vu"), "enter")
    assert screen.state.filter == "ecueil"
    decided = current(world)
    assert list(decided) == [4]
    assert decided[4].kind is DecisionKind.REJECT and decided[4].reason == "vu"


def test_escape_cancels_and_saves_nothing(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    screen = run_screen(world, "a", *typed("brouillon"), "escape", "s", "escape")
    assert screen.state.mode is Mode.LIST and len(screen.state.entries) == 5
    assert current(world) == {}


def test_snooze_with_the_default_date(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    run_screen(world, "j", "j", "s", "enter")
    decided = current(world)
    assert decided[3].kind is DecisionKind.SNOOZE and decided[3].snooze_until is not None


def typed(text: str) -> list[str]:
    return ["space" if ch == " " else ch for ch in text]


def test_the_screen_names_its_view_and_shows_source_and_date_columns(tmp_path: Path) -> None:
    """Issue 16: at 80 columns the title no longer takes the whole row."""
    world = make_world(tmp_path)
    curator = world.open()
    screen = ReviewApp(curator, curator.settings.profile("claire"))
    seen: dict[str, str] = {}

    async def drive() -> None:
        async with screen.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            seen["header"] = str(screen.query_one("#header", Static).content)
            seen["list"] = screen.list_text().plain
            await pilot.press("a", *typed("Mon avis"))
            await pilot.pause()
            seen["label"] = screen.comment_label()
            await pilot.press("escape", "q")
            await pilot.pause()

    asyncio.run(drive())
    curator.close()
    # claire reads French: one language on the screen, decimal comma included (issue 16)
    assert seen["header"] == "curator review — claire — file de revue, les meilleurs d’abord"
    first = seen["list"].splitlines()[0]
    assert first.startswith("▸ 0,91 Le recrutement ")
    # the source and the local date (the item is 5 hours old: Friday 27 Nov in Paris) at the end
    assert "  Emploi Tech  " in first and first.rstrip().endswith("27 nov.")
    assert seen["label"].startswith("✎ 8/20 caractères · Votre commentaire ")
    assert screen.state.done  # q left from the list
