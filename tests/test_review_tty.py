"""`curator review` in a real pseudo-terminal: approve with a comment, reject, undo, quit."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from curator.store import decisions
from curator.types import DecisionKind
from tests.support.review import make_world

pexpect = pytest.importorskip("pexpect")

ROOT = Path(__file__).resolve().parents[1]


# claire reads French: the whole screen speaks it (issue 16).
def spawn(config: Path, db_url: str, **env: str) -> pexpect.spawn:
    environment = dict(os.environ, TERM="xterm-256color", EDITOR="false", **env)
    environment["PYTHONPATH"] = str(ROOT)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "curator", "--config", str(config), "--db", db_url, "review"],
        env=environment,
        cwd=str(ROOT),
        dimensions=(30, 120),
        encoding="utf-8",
        timeout=30,
    )
    return child


@pytest.mark.slow
def test_triage_in_a_terminal_then_check_the_database(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    child = spawn(world.config, world.db_url)
    try:
        child.expect("5 à trier")
        child.send("a")  # approve the top item: the comment editor opens with the starter
        child.expect("entrée enregistre")
        child.send("Bon panorama du marché data, à partager")
        child.expect("partager")  # echoed by the editor: the starter was replaced
        child.send("\r")
        child.expect("approuvé #1")
        child.expect("4 à trier")
        child.send("r")  # reject the next one, no reason
        child.expect("raison")
        child.send("\r")
        child.expect("rejeté #2")
        child.send("u")  # take the rejection back
        child.expect("annulé")
        child.expect("4 à trier")
        child.send("q")
        child.expect("4 articles restent à trier; 1 approuvé")
        child.expect("Scores mis à jour avec vos décisions")  # the scorer learns on the way out
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0

    app = world.open()
    with app.db.session() as session:
        history = decisions.history(session, "claire")
        now_current = decisions.current(session, "claire")
    app.close()
    assert [(d.item_id, d.kind) for d in history] == [(1, DecisionKind.APPROVE)]
    assert now_current[1].comment == "Bon panorama du marché data, à partager"
    assert 2 not in now_current


@pytest.mark.slow
def test_no_color_is_honoured(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    child = spawn(world.config, world.db_url, NO_COLOR="1")
    try:
        child.expect("5 à trier")
        screen = child.before
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    # Textual renders NO_COLOR as monochrome: only greys (and plain attributes) remain.
    indexed = [int(n) for n in re.findall(r"[34]8;5;(\d+)", screen)]
    truecolour = re.findall(r"[34]8;2;(\d+);(\d+);(\d+)", screen)
    assert indexed or truecolour, "expected some styling to check"
    assert all(_grey_index(n) for n in indexed), sorted(set(indexed))
    assert all(r == g == b for r, g, b in truecolour)


def _grey_index(n: int) -> bool:
    """xterm 256 colours: 0/7/8/15 and the 232-255 ramp are greys, and the cube's r=g=b."""
    if n in (0, 7, 8, 15) or n >= 232:
        return True
    if 16 <= n <= 231:
        r, g, b = (n - 16) // 36, (n - 16) // 6 % 6, (n - 16) % 6
        return r == g == b
    return False


@pytest.mark.slow
def test_open_the_link_and_approve_in_the_external_editor(tmp_path: Path) -> None:
    world = make_world(tmp_path)
    # An "editor" that writes the comment above the template's `#` lines, as a user would.
    editor = tmp_path / "editor.sh"
    editor.write_text(
        '#!/bin/sh\n{ printf "Écrit dans mon éditeur, avec du recul.\\n"; cat "$1"; } > "$1.new"\n'
        'mv "$1.new" "$1"\n',
        encoding="utf-8",
    )
    editor.chmod(0o755)
    # A "browser" that records the link it is asked to open.
    browser = tmp_path / "browser.sh"
    opened = tmp_path / "opened.txt"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n', encoding="utf-8")
    browser.chmod(0o755)
    child = spawn(world.config, world.db_url, VISUAL=str(editor), BROWSER=str(browser))
    try:
        child.expect("5 à trier")
        child.send("o")
        child.expect("ouverture de https://example.org/")
        child.send("j")
        child.send("e")
        child.expect("approuvé #2")
        child.send("q")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    app = world.open()
    with app.db.session() as session:
        decision = decisions.current_for(session, "claire", 2)
    app.close()
    assert decision is not None and decision.kind is DecisionKind.APPROVE
    assert decision.comment == "Écrit dans mon éditeur, avec du recul."
    assert opened.read_text(encoding="utf-8").startswith("https://example.org/")
