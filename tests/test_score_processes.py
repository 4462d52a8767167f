"""Issue 17: a full pass shares its profiles out between processes forked once the item matrix
is built. The stored scores, ranks, explanations and models are those of one process; a child
that fails or dies surfaces as an error, never a hang nor a zombie; small passes, threads alive
and in-memory databases keep to one process."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from curator import forking
from curator import score as scoring
from curator.app import Curator
from curator.app.score import ScoreUseCases
from curator.config import parse_settings
from curator.errors import ProcessFailed
from curator.store.models import MetaRow, ScoreRow
from curator.types import ScorePassSettings
from tests.support.queue import add_item
from tests.support.score import FILLER_EN, FILLER_FR

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

FR = ["salaires", "télétravail", "entretiens d'embauche", "marque employeur", "data engineers"]
EN = ["developer salaries", "remote work", "job interviews", "employer branding", "data teams"]

PROFILES = [
    (
        "claire",
        "fr",
        "Recruteuse tech, je partage des analyses sur le recrutement des développeurs.",
    ),
    ("david", "en", "Tech recruiter sharing analyses of developer hiring and salaries."),
    ("emma", "fr", "Consultante RH : télétravail, marque employeur et entretiens."),
    ("farid", "en", "Engineering manager writing about remote work and data teams."),
    ("gina", "fr", "Data engineers : salaires, outils et recrutement."),
    ("hugo", "en", "HR analyst: job interviews, employer branding and pay."),
]


def _config(examples_url: str) -> str:
    lines = []
    for k, (name, language, objective) in enumerate(PROFILES):
        lines += [
            f"  - name: {name}",
            f'    objective: "{objective}"',
            f"    language: {language}",
            "    keywords:",
            f"      boost: [{(FR if language == 'fr' else EN)[k % 5]}]",
            f"      block: [{'festival' if k % 2 else 'marathon'}]",
        ]
        if k == 1:
            lines.append(f"    examples: [{examples_url}]")
        if k == 3:
            lines.append("    follow: [{profile: david, weight: 2}]")
    return "profiles:\n" + "\n".join(lines) + "\nfeeds:\n  - url: http://127.0.0.1:9/f.xml\n"


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Curator]:
    """Six profiles (keywords, an example, a follow, decisions of both kinds) over 90 items
    in French and English, on a SQLite file and on PostgreSQL."""
    url = request.getfixturevalue("db_url" if request.param == "sqlite" else "pg_url")
    example = "https://example.org/the-example"
    path = tmp_path / "feeds.yaml"
    text = _config(example)
    path.write_text(text, encoding="utf-8")
    from curator.store import Database

    curator = Curator(parse_settings(text, path, env={}), Database.open(url), clock=lambda: T0)
    feed = curator.feeds()[0].id
    ids = []
    for k in range(80):
        fr = k % 2 == 0
        topic = (FR if fr else EN)[k % 5]
        other = (FR if fr else EN)[(k * 3 + 1) % 5]
        title = f"{'Recrutement' if fr else 'Hiring'} n°{k} : {topic}"
        body = (
            f"Les recruteurs parlent de {topic} et de {other}, du marché de l'emploi tech."
            if fr
            else f"Recruiters discuss {topic} and {other} in the tech job market."
        )
        if k % 11 == 0:
            body += " Rendez-vous au festival." if fr else " See you at the marathon."
        at = T0 - timedelta(hours=k + 1)
        ids.append(
            add_item(curator.db, feed, title, body, fetched_at=at, language="fr" if fr else "en")
        )
    for k, title in enumerate([*FILLER_FR, *FILLER_EN]):
        add_item(curator.db, feed, title, "", fetched_at=T0 - timedelta(hours=k + 3))
    add_item(
        curator.db,
        feed,
        "Salaries of data engineers, the survey",
        "Developer and data engineer pay across Europe.",
        fetched_at=T0 - timedelta(days=2),
        url=example,
    )
    for name, first in (("david", 0), ("emma", 20), ("farid", 40)):
        for j in range(8):  # enough of both kinds for a decision model
            decide = curator.approve if j % 2 == 0 else curator.reject
            decide(name, ids[first + 3 * j])
    yield curator
    curator.close()


def _stored(app: Curator) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    with app.db.reading() as session:
        rows = session.execute(
            select(
                ScoreRow.profile, ScoreRow.item_id, ScoreRow.final, ScoreRow.relevance,
                ScoreRow.feedback, ScoreRow.freshness, ScoreRow.source, ScoreRow.boost,
                ScoreRow.blocked, ScoreRow.why, ScoreRow.rank,
            ).order_by(ScoreRow.profile, ScoreRow.item_id)
        )  # fmt: skip
        scores = [tuple(r) for r in rows]
        meta = {
            key: value
            for key, value in session.execute(select(MetaRow.key, MetaRow.value))
            if key.startswith("score.")
        }
    return scores, meta


@pytest.fixture
def forked_pids(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[], set[int]]:
    """The processes that scored profiles: each appends its pid to a file as it scores."""
    log = tmp_path / "pids"
    original = ScoreUseCases._score_chunk

    def logged(self: ScoreUseCases, shared: Any, profiles: Sequence[Any]) -> Any:
        with log.open("a") as f:
            f.write(f"{os.getpid()}\n")
        return original(self, shared, profiles)

    monkeypatch.setattr(ScoreUseCases, "_score_chunk", logged)

    def read() -> set[int]:
        pids = {int(line) for line in log.read_text().split()} if log.exists() else set()
        log.unlink(missing_ok=True)
        return pids

    return read


_CAN_FORK = forking.can_fork


@pytest.fixture(autouse=True)
def fork_beside_idle_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let these tests fork whatever threads run in the test process: earlier tests of the
    suite leave some running (which ones is not known yet), and the guard would then keep
    every pass here in one process, so nothing below would be tested. The guard itself is
    tested as it is by test_a_pass_beside_another_thread_scores_in_one_process."""
    monkeypatch.setattr(forking, "can_fork", lambda: sys.platform.startswith("linux"))


@pytest.fixture
def split_small(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any pass shares its profiles out (the test world is far under the break-even)."""
    monkeypatch.setattr(scoring, "SPLIT_MIN_PROFILES", 2)
    monkeypatch.setattr(scoring, "SPLIT_MIN_WORK", 0)


def _processes(app: Curator, n: int) -> None:
    app.settings = replace(app.settings, score=ScorePassSettings(processes=n))


@pytest.mark.usefixtures("split_small")
def test_two_processes_store_what_one_stores(
    app: Curator, forked_pids: Callable[[], set[int]]
) -> None:
    _processes(app, 1)
    one = app.score()
    assert forked_pids() == {os.getpid()}
    stored_one = _stored(app)
    _processes(app, 2)
    two = app.score()
    pids = forked_pids()
    assert len(pids) == 2 and os.getpid() in pids
    assert two == one
    scores, meta = _stored(app)
    assert scores == stored_one[0]
    assert meta == stored_one[1]  # the models, the passes' states and the corpus statistics
    assert any(row[9] for row in scores)  # explanations compared too
    assert sum(1 for key, value in meta.items() if key.startswith("score.model.") and value) == 3


@pytest.mark.usefixtures("split_small")
def test_three_processes_share_six_profiles_in_their_order(
    app: Curator, forked_pids: Callable[[], set[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Blocks of one profile: each process scores two chunks, dealt in turn.
    monkeypatch.setattr(scoring, "PROFILE_BLOCK", 1)
    _processes(app, 1)
    one = app.score()
    stored = _stored(app)
    forked_pids()
    _processes(app, 3)
    assert app.score() == one
    assert len(forked_pids()) == 3
    assert _stored(app) == stored


def _in_children(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """Make every forked child run `action` before scoring a profile; the parent scores as
    usual."""
    parent = os.getpid()
    original = ScoreUseCases._score_profile

    def scored(self: ScoreUseCases, *args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent:
            action()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ScoreUseCases, "_score_profile", scored)


@pytest.mark.usefixtures("split_small", "no_child_left")
def test_a_failing_child_raises_its_error_in_the_pass(
    app: Curator, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail() -> None:
        raise ValueError("the child's own failure")

    _in_children(monkeypatch, fail)
    _processes(app, 2)
    with pytest.raises(ValueError, match="the child's own failure") as raised:
        app.score()
    assert any("in the forked process" in note for note in raised.value.__notes__)


@pytest.mark.usefixtures("split_small", "no_child_left")
def test_a_child_killed_midway_fails_the_pass_clearly(
    app: Curator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As the out-of-memory killer does.
    _in_children(monkeypatch, lambda: os.kill(os.getpid(), signal.SIGKILL))
    _processes(app, 2)
    with pytest.raises(ProcessFailed, match="killed by SIGKILL"):
        app.score()


def test_a_small_pass_scores_in_one_process(
    app: Curator, forked_pids: Callable[[], set[int]]
) -> None:
    # Six profiles over 101 items: forking would cost more than it saves.
    _processes(app, 2)
    app.score()
    assert forked_pids() == {os.getpid()}


@pytest.mark.usefixtures("split_small")
def test_a_pass_beside_another_thread_scores_in_one_process(
    app: Curator, forked_pids: Callable[[], set[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A process running other threads (`curator serve`) never forks: a lock one of them held
    # would stay held in the child forever.
    monkeypatch.setattr(forking, "can_fork", _CAN_FORK)
    _processes(app, 2)
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        app.score()
    finally:
        stop.set()
        thread.join()
    assert forked_pids() == {os.getpid()}


def _children() -> set[int]:
    """This process's children, running or not yet reaped."""
    found: set[int] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # a thread that ended meanwhile
            found.update(int(pid) for pid in (task / "children").read_text().split())
    return found


@pytest.fixture
def no_child_left() -> Iterator[None]:
    """No child the test forked is left running or unreaped (children that earlier tests of
    the suite left behind are not this test's)."""
    before = _children()
    yield
    assert _children() <= before


# --- the helper itself ------------------------------------------------------------------------


def _doubled(chunk: Sequence[int]) -> list[tuple[int, int]]:
    return [(2 * n, os.getpid()) for n in chunk]


@pytest.mark.usefixtures("no_child_left")
def test_results_come_back_in_the_order_of_the_inputs() -> None:
    out = forking.map_chunks(_doubled, list(range(23)), processes=3, chunk=4)
    assert [n for n, _ in out] == [2 * n for n in range(23)]
    by_chunk = [{pid for _, pid in out[k : k + 4]} for k in range(0, 23, 4)]
    assert all(len(pids) == 1 for pids in by_chunk)
    # Chunks dealt in turn: 0 and 3 here, 1 and 4 to a child, 2 and 5 to another.
    assert by_chunk[0] == by_chunk[3] == {os.getpid()}
    assert by_chunk[1] == by_chunk[4] != by_chunk[2] == by_chunk[5]
    assert len(set().union(*by_chunk)) == 3


def test_one_chunk_or_one_process_runs_here() -> None:
    here = {os.getpid()}
    assert {pid for _, pid in forking.map_chunks(_doubled, [1, 2], processes=4, chunk=5)} == here
    assert {pid for _, pid in forking.map_chunks(_doubled, [1, 2, 3], processes=1, chunk=1)} == here


@pytest.mark.usefixtures("no_child_left")
def test_a_child_that_does_not_answer_in_time_is_killed() -> None:
    def stuck_in_child(chunk: Sequence[int]) -> list[int]:
        if chunk[0] != 0:
            time.sleep(3600)
        return list(chunk)

    with pytest.raises(ProcessFailed, match="no answer within 1 s"):
        forking.map_chunks(stuck_in_child, [0, 1], processes=2, chunk=1, wait=1.0)


@pytest.mark.usefixtures("no_child_left")
def test_a_failure_here_ends_the_children() -> None:
    def failing_here(chunk: Sequence[int]) -> list[int]:
        if chunk[0] == 0:
            raise KeyError("here")
        time.sleep(3600)
        return list(chunk)

    with pytest.raises(KeyError):
        forking.map_chunks(failing_here, [0, 1, 2], processes=3, chunk=1)


def test_an_exception_that_cannot_travel_is_told_by_its_last_line() -> None:
    class Local(Exception):  # defined in a function: pickle cannot find it again
        pass

    def failing(chunk: Sequence[int]) -> list[int]:
        if chunk[0]:
            raise Local("cannot travel")
        return list(chunk)

    with pytest.raises(ProcessFailed, match="Local: cannot travel"):
        forking.map_chunks(failing, [0, 1], processes=2, chunk=1)


def test_the_break_even_keeps_small_passes_in_one_process() -> None:
    assert scoring.scoring_processes(1000, 100_000, 2) == 2
    assert scoring.scoring_processes(scoring.SPLIT_MIN_PROFILES - 1, 100_000, 2) == 1
    assert scoring.scoring_processes(50, scoring.SPLIT_MIN_WORK // 50 - 1, 2) == 1
    assert scoring.scoring_processes(1000, 100_000, 1) == 1
    assert scoring.profile_chunk(1000, 2) == scoring.PROFILE_BLOCK
    assert scoring.profile_chunk(30, 2) == 15
    assert scoring.profile_chunk(5, 1) == 5
