"""What a new user meets right after `make demo`: regressions found by trying curator as one."""

from __future__ import annotations

from pathlib import Path

import pytest

from curator.app import Curator
from curator.demo import run_demo

COMMENT = "Exactement ce que je constate chez les PME : un process court et des critères clairs."


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("first-use") / "curator-demo"
    run_demo(directory)
    return directory


def test_queue_after_the_demo_starts_at_rank_one(demo_dir: Path) -> None:
    app = Curator.open(demo_dir / "feeds.yaml")
    try:
        queue = app.queue("claire", limit=3)
    finally:
        app.close()
    assert [e.score.rank for e in queue] == [1, 2, 3]


def test_an_approval_after_the_demo_lands_in_the_calendar_with_its_comment(
    demo_dir: Path,
) -> None:
    app = Curator.open(demo_dir / "feeds.yaml")
    try:
        top = app.queue("claire", limit=1)[0]
        outcome = app.approve("claire", top.item.id, COMMENT)
        view = app.calendar("claire", weeks=2)
    finally:
        app.close()
    slots = [s for s in view.slots if s.item_id == top.item.id]
    assert slots, f"approved #{top.item.id} is in no slot: {outcome}"
    assert slots[0].comment == COMMENT
