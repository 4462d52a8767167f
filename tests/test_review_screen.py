"""The review screen's glue (widgets -> keys -> facade) with Textual's pilot, headless."""

from __future__ import annotations

import asyncio
from pathlib import Path

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
    assert "relay slot" in screen.state.message or "not in the plan" in screen.state.message
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
