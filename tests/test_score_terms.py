"""Issue 19: an item's analysis (its term counts) is stored once and read by every later
scoring pass. These tests check what is analysed and that the ranking does not change, never
the time."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import sparse
from sqlalchemy import delete, event, select

from curator import score as scoring
from curator.store.models import ItemTermsRow, ScoreRow
from tests import test_scale as scale
from tests.support.score import FILLER_EN, FILLER_FR
from tests.test_scale import T0, TOPICS

CONFIG = """\
profiles:
  - name: claire
    objective: |
      Recruteuse tech indépendante, je partage des analyses sur le recrutement
      de profils data et développeurs, les salaires et le télétravail.
    language: fr
    keywords:
      boost: [salaires]
  - name: ana
    objective: Technology analyst covering software companies and remote work.
    language: en
    keywords:
      block: [horoscope]
feeds:
  - url: http://127.0.0.1:9/fr.xml
    name: Emploi FR
"""


class World(scale.World):
    """The scale tests' world, with what these tests read of the scores and stored counts."""

    def scores(self) -> list[tuple[object, ...]]:
        with self.app.db.session() as session:
            rows = session.scalars(select(ScoreRow).order_by(ScoreRow.profile, ScoreRow.item_id))
            return [
                (r.profile, r.item_id, r.final, r.relevance, r.feedback, r.rank, r.blocked, r.why)
                for r in rows
            ]

    def stored(self) -> dict[int, int]:
        with self.app.db.session() as session:
            rows = session.execute(select(ItemTermsRow.item_id, ItemTermsRow.analyser))
            return {item_id: analyser for item_id, analyser in rows}


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, write_config: Callable[[str], Path]) -> Iterator[World]:
    """40 items in French and English, not scored yet, on a SQLite file and on PostgreSQL."""
    url = request.getfixturevalue("db_url" if request.param == "sqlite" else "pg_url")
    w = World(write_config(CONFIG), url)
    for k in range(30):
        topic = TOPICS[k % len(TOPICS)]
        w.add(
            f"Recrutement tech n°{k} : {topic}",
            f"Les recruteurs et les développeurs parlent de {topic} et du marché de l'emploi. "
            + FILLER_FR[k % len(FILLER_FR)],
            T0 - timedelta(hours=k + 1),
        )
    for k, text in enumerate(FILLER_EN):
        w.add(text, f"{text} Software companies hire for remote work.", T0 - timedelta(hours=k))
    yield w
    w.app.close()


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The ids of the items the scorer analyses (text -> counts), as it analyses them."""
    seen: list[int] = []
    count = scoring._item_counts

    def counting(items: list[object]) -> sparse.csr_matrix:
        seen.extend(i.id for i in items)  # type: ignore[attr-defined]
        return count(items)  # type: ignore[arg-type]

    monkeypatch.setattr(scoring, "_item_counts", counting)
    return seen


def test_each_item_is_analysed_once_then_read(world: World, analysed: list[int]) -> None:
    world.app.score()
    # The first pass fits the idf and scores from the same analysis.
    assert sorted(analysed) == sorted(set(analysed)) and len(analysed) == 40
    assert set(world.stored().values()) == {scoring.ANALYSER_VERSION}
    assert set(world.stored()) == set(analysed)

    analysed.clear()
    world.clock[0] = T0 + timedelta(minutes=5)
    world.app.score()  # a second full pass reads every item's counts
    assert analysed == []

    world.clock[0] = T0 + timedelta(minutes=10)
    new = world.add("Les salaires des développeurs data", "Recrutement et télétravail.", T0)
    world.app.score(incremental=True)
    assert analysed == [new]  # an incremental pass analyses what arrived, once
    analysed.clear()
    world.clock[0] = T0 + timedelta(minutes=15)
    world.app.score()
    assert analysed == []

    # An item fetched since the last pass enters the idf and the scores from one analysis.
    world.clock[0] = T0 + timedelta(minutes=20)
    later = world.add("Télétravail et salaires", "Les recruteurs parlent.", world.clock[0])
    world.clock[0] = T0 + timedelta(minutes=25)
    world.app.score(incremental=True)
    assert analysed == [later]


def test_stored_counts_rank_as_analysing_the_items(world: World) -> None:
    world.app.score()  # analyses every item and stores the counts
    analysed_now = world.scores()
    world.app.score()  # the same instant, from the stored counts
    assert world.scores() == analysed_now
    assert any(row[7] for row in analysed_now)  # explanations (words) are there
    with world.app.db.session() as session:
        session.execute(delete(ItemTermsRow))
    world.app.score()
    assert world.scores() == analysed_now


def test_a_full_pass_reads_the_words_of_the_heads_of_the_queues_only(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every item is scored from its stored counts: an item's text (its words) is read only
    where scoring looks at the words, the heads of the queues (issue 19)."""
    world.app.score()  # analyses every item and stores the counts
    # Heads of a few items, where a real queue's are hundreds of its 100,000 items.
    for name in ("PRF_DOCS", "VERIFY_HEAD", "BLOCK_CHECK", "MMR_POOL", "EXPLAIN_LIMIT"):
        monkeypatch.setattr(scoring, name, 3)
    monkeypatch.setattr(scoring._collision_free, "__defaults__", (3,))  # its VERIFY_HEAD
    read: set[int] = set()

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        if "items.content" not in statement:
            return
        if "items.id IN" not in statement and "items.id =" not in statement:
            read.update(world.ids)  # a read of the texts not bound to some items: all of them
            return
        values = parameters.values() if isinstance(parameters, dict) else parameters
        read.update(v for v in values if isinstance(v, int))

    event.listen(world.app.db.engine, "before_cursor_execute", record)
    try:
        world.clock[0] = T0 + timedelta(minutes=5)
        world.app.score()
    finally:
        event.remove(world.app.db.engine, "before_cursor_execute", record)
    assert read and read <= set(world.ids)
    # Two profiles, each looking at the words of some items at the head of its queue.
    assert len(read) <= len(world.ids) // 2
    assert all(row[7] for row in world.scores() if row[5] == 1)  # the first have reasons


def test_another_analyser_version_analyses_again(
    world: World, analysed: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    world.app.score()
    analysed.clear()
    monkeypatch.setattr(scoring, "ANALYSER_VERSION", scoring.ANALYSER_VERSION + 1)
    world.clock[0] = T0 + timedelta(minutes=5)
    world.app.score()
    assert len(analysed) == 40
    assert set(world.stored().values()) == {scoring.ANALYSER_VERSION}


def test_counts_of_a_deleted_item_are_dropped_with_it(world: World) -> None:
    world.app.score()
    gone = next(iter(world.stored()))
    with world.app.db.session() as session:
        from curator.store.models import ItemRow

        session.execute(delete(ScoreRow).where(ScoreRow.item_id == gone))
        session.execute(delete(ItemRow).where(ItemRow.id == gone))
    assert gone not in world.stored()


def test_packed_counts_unpack_to_the_same_matrix() -> None:
    texts = [("Titre", FILLER_FR[0], "fr"), ("", "", "en"), ("Title", FILLER_EN[1], "en")]
    counts = scoring._count_texts(texts)
    back = scoring.unpack_counts(scoring.pack_counts(counts))
    for a, b in ((counts.indptr, back.indptr), (counts.indices, back.indices)):
        assert np.array_equal(a, b)
    assert np.array_equal(counts.data, back.data)
    # A count past 65,535 (a title repeating one word) is kept whole.
    huge = sparse.csr_matrix(([70_000.0, 3.0], ([0, 0], [5, 9])), shape=(1, scoring.N_FEATURES))
    both = sparse.csr_matrix(sparse.vstack([counts, huge], format="csr"))
    back = scoring.unpack_counts(scoring.pack_counts(both))
    assert np.array_equal(both.data, back.data) and np.array_equal(both.indices, back.indices)
    packed = scoring.pack_counts(counts) + scoring.pack_counts(huge)  # two widths in one read
    assert np.array_equal(scoring.unpack_counts(packed).data, both.data)


def test_counts_given_for_other_items_are_refused() -> None:
    items = [scoring_item(k) for k in range(3)]
    counts, fresh = scoring.item_counts(items)
    assert set(fresh) == {0, 1, 2}
    with pytest.raises(ValueError):
        scoring.vectorize(items[:2], None, counts)


def scoring_item(k: int) -> object:
    from tests.support.score import make_item

    return make_item(k, FILLER_EN[k], FILLER_EN[k + 1])


def test_the_first_profile_of_a_block_finds_every_keyword_s_rows_at_once() -> None:
    from curator.types import Keywords, Profile
    from tests.support.score import NOW, make_item

    items = [make_item(k, FILLER_EN[k % 10], FILLER_EN[(k + 3) % 10]) for k in range(40)]
    profiles = [
        Profile("a", "Storms and the weather.", keywords=Keywords(boost=("storm",))),
        Profile("b", "Markets and rates.", keywords=Keywords(block=("interest rates",))),
    ]
    matrix = scoring.vectorize(items, None)
    scoring.expect_profiles(matrix, [(p, ()) for p in profiles])
    scoring.score_items(profiles[0], items, now=NOW, matrix=matrix)
    wanted = {
        scoring.term_index(t)
        for k in ("storm", "interest rates")
        for terms in scoring._keyword_terms(k)
        for t in terms
    }
    assert wanted <= matrix.term_rows.keys()  # the second profile's too: no pass of its own


def test_terms_are_hashed_and_stop_words_dropped_as_scikit_learn_does() -> None:
    # Issue 19: analysis takes murmurhash3 from mmh3 and carries the English stop list, so that
    # it does not import scikit-learn; stored counts and document frequencies need the very same
    # columns.
    import random

    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
    from sklearn.utils import murmurhash3_32

    from curator import analysis_parts

    assert analysis_parts.ENGLISH_STOP_WORDS == ENGLISH_STOP_WORDS
    rng = random.Random(19)
    letters = "abcdefghijklmnopqrstuvwxyzéèàçôœß0-中"
    words = ["", "a", "recrutement", "télétravail", "ingénieur data", "œuvre", "中文"]
    words += ["".join(rng.choice(letters) for _ in range(rng.randrange(1, 24))) for _ in range(500)]
    for word in words:
        assert analysis_parts.murmurhash3_32(word) == murmurhash3_32(word, positive=True), word


def test_analysing_and_scoring_without_decisions_do_not_import_scikit_learn() -> None:
    code = (
        "import sys\n"
        "from datetime import UTC, datetime\n"
        "from curator import score\n"
        "from curator.types import Profile\n"
        "from tests.support.score import make_item\n"
        "items = [make_item(k, f'Recrutement data {k} : salaires', language='fr') "
        "for k in range(1, 20)]\n"
        "profile = Profile('claire', 'Recrutement de profils data, salaires.', language='fr')\n"
        "result = score.score_items(profile, items, now=datetime(2026, 11, 27, tzinfo=UTC))\n"
        "assert result.scores[0].relevance > 0\n"
        "print('sklearn' in sys.modules)\n"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "False"
