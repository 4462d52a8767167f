"""The results figures and advice (issue 15), pure: a hand-computed example and each threshold."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from curator import results
from curator.results import ActiveSpan, ActivityMeter, Metrics, Post
from curator.types import Schedule, Slot, SlotKind, SlotRule, SlotStatus

PARIS = ZoneInfo("Europe/Paris")
# Monday 30 November 2026, 07:00 in Paris
NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
SCHEDULE = Schedule(weekly_minutes=120)


def post(
    slot_id: str,
    kind: SlotKind,
    at: datetime,
    minutes: int,
    m: Metrics | None,
    source: str | None = None,
    topics: tuple[str, ...] = (),
) -> Post:
    return Post(
        slot_id=slot_id,
        profile="claire",
        kind=kind,
        published_at=at,
        minutes=minutes,
        title=f"title {slot_id}",
        source=source,
        topics=topics,
        results=m,
    )


R, OG = SlotKind.RELAY, SlotKind.ORIGINAL
EXAMPLE = [
    # 14 points: 10 reactions + 2 comments x 2
    post("r1", R, datetime(2026, 11, 24, 9, tzinfo=UTC), 15, Metrics(reactions=10, comments=2),
         "Alpha", ("recrutement", "data")),
    # 45 points: 20 reactions + 1 contact x 5 + 1 meeting x 20
    post("o1", OG, datetime(2026, 11, 26, 9, tzinfo=UTC), 45,
         Metrics(reactions=20, contacts=1, meetings=1), None, ("marque employeur",)),
    post("r2", R, datetime(2026, 11, 27, 16, tzinfo=UTC), 20, None, "Beta", ("data",)),
    # Sunday 23:30 UTC is already Monday in Paris: the week of 30 November
    post("r3", R, datetime(2026, 11, 29, 23, 30, tzinfo=UTC), 15, Metrics(), "Alpha",
         ("recrutement",)),
]  # fmt: skip
SPANS = [ActiveSpan("claire", "review", datetime(2026, 11, 25, 8, tzinfo=UTC), 1200)]


def test_figures_on_a_hand_computed_example() -> None:
    report = results.build_report(
        "claire",
        EXAMPLE,
        SPANS,
        {date(2026, 11, 23): 4, date(2026, 11, 30): 1},
        SCHEDULE,
        PARIS,
        NOW,
        weeks=2,
    )
    last, this = report.weeks
    assert last.week == date(2026, 11, 23) and this.week == date(2026, 11, 30)
    # 15 + 45 + 20 reported, 20 measured
    assert (last.minutes_reported, last.minutes_measured, last.minutes) == (80, 20, 100)
    assert (last.published, last.planned, last.posts_with_results) == (3, 4, 2)
    assert last.points == 59 and last.results.reactions == 30 and last.results.meetings == 1
    assert last.per_hour == pytest.approx(35.4)  # 59 points in 100 minutes
    assert (this.minutes, this.published, this.points, this.per_hour) == (15, 1, 0, 0.0)

    kinds = {g.key: g for g in report.by_kind}
    assert [g.key for g in report.by_kind] == ["original", "relay"]  # best per post first
    assert (kinds["relay"].posts, kinds["relay"].rated, kinds["relay"].minutes) == (3, 2, 30)
    assert kinds["relay"].per_post == 7.0 and kinds["relay"].per_hour == 28.0
    assert kinds["original"].per_post == 45.0 and kinds["original"].per_hour == 60.0

    sources = {g.key: g for g in report.by_source}
    assert set(sources) == {"Alpha", "Beta"}  # originals have no source
    assert (sources["Alpha"].rated, sources["Alpha"].per_post) == (2, 7.0)
    assert (sources["Beta"].posts, sources["Beta"].rated, sources["Beta"].per_post) == (1, 0, None)

    topics = {g.key: g for g in report.by_topic}
    assert topics["data"].posts == 2 and topics["data"].rated == 1
    assert topics["data"].per_hour == 56.0  # 14 points in 15 minutes
    assert topics["recrutement"].per_post == 7.0 and topics["marque employeur"].per_post == 45.0

    assert len(report.trend) == 12
    assert report.trend[-2:] == (
        (date(2026, 11, 23), pytest.approx(35.4)),
        (date(2026, 11, 30), 0.0),
    )
    assert all(v is None for _, v in report.trend[:-2])
    assert [p.slot_id for p in report.best] == ["o1", "r1", "r3"]
    # too little data for any advice: it says what it waits for
    assert report.advice == ()
    assert any("1 of 3 complete weeks" in w for w in report.not_enough)
    assert any("have 2 relays, 1 originals" in w for w in report.not_enough)


def test_report_text_speaks_french_and_english() -> None:
    args = ("claire", EXAMPLE, SPANS, {}, SCHEDULE, PARIS, NOW)
    fr = "\n".join(results.report_lines(results.build_report(*args, weeks=2, language="fr")))
    en = "\n".join(results.report_lines(results.build_report(*args, weeks=2, language="en")))
    assert "Semaine du 2026-11-23 : 1 h 40 passées (1 h 20 déclarées + 20 min mesurées)" in fr
    assert "pour un budget de 2 h" in fr and "35,4 par heure" in fr and "Pas encore assez" in fr
    assert "Week of 2026-11-23: 1 h 40 spent (1 h 20 reported + 20 min measured)" in en
    assert "against a 2 h budget" in en and "35.4 per hour" in en
    assert "  originals: 45.0 per post, 60.0 per hour (1 of 1 posts with results)" in en
    assert "1. title o1 — 45 results" in en


def weekly(
    kind: SlotKind, weeks: int, per_week: int, minutes: int, m: Metrics, source: str = "S"
) -> list[Post]:
    """`per_week` posts in each of the `weeks` weeks before NOW's week."""
    out = []
    for w in range(1, weeks + 1):
        for n in range(per_week):
            at = NOW - timedelta(weeks=w) + timedelta(days=1, hours=n)
            out.append(post(f"{kind.value}-{w}-{n}", kind, at, minutes, m, source))
    return out


def codes(posts: list[Post], schedule: Schedule = SCHEDULE, weeks: int = 12) -> list[str]:
    report = results.build_report("claire", posts, [], {}, schedule, PARIS, NOW, weeks=weeks)
    return [a.code for a in report.advice]


@pytest.mark.parametrize(
    ("weeks", "minutes", "expected"),
    [
        (3, 150, True),  # 2 h 30 > 2 h + 10 %, over three complete weeks
        (2, 150, False),  # two weeks: not enough data yet
        (3, 132, False),  # exactly budget + 10 %: not over
        (3, 133, True),
    ],
)
def test_budget_advice_threshold(weeks: int, minutes: int, expected: bool) -> None:
    posts = weekly(R, weeks, 1, minutes, Metrics(reactions=1))
    assert ("over-budget" in codes(posts)) is expected


def test_budget_advice_text_and_change() -> None:
    schedule = Schedule(
        slots=(
            SlotRule(0, datetime(2026, 1, 1, 8).time(), R),
            SlotRule(3, datetime(2026, 1, 1, 8).time(), OG),
        ),
        weekly_minutes=120,
    )
    posts = weekly(R, 3, 1, 190, Metrics(reactions=1))
    report = results.build_report("claire", posts, [], {}, schedule, PARIS, NOW, weeks=4)
    (advice,) = report.advice
    assert advice.text == "you spend 3 h 10 a week against a 2 h budget"
    assert advice.evidence == "average of the last 3 complete weeks with time recorded"
    assert advice.change == results.ScheduleChange("remove", R)


KIND_RULES = Schedule(
    slots=(
        SlotRule(0, datetime(2026, 1, 1, 8).time(), R),
        SlotRule(2, datetime(2026, 1, 1, 8).time(), R),
        SlotRule(3, datetime(2026, 1, 1, 8).time(), OG),
    )
)


@pytest.mark.parametrize(
    ("originals", "weeks", "reactions", "expected"),
    [
        (5, 4, 45, True),  # 60 per hour against 20: 3.0x
        (4, 4, 45, False),  # four originals: not enough data yet
        (5, 3, 45, False),  # three weeks: not enough data yet
        (5, 4, 30, True),  # 40 against 20: exactly 2.0x
        (5, 4, 22, False),  # 29.3 against 20: 1.47x, below 1.5x
    ],
)
def test_kind_advice_threshold(originals: int, weeks: int, reactions: int, expected: bool) -> None:
    relays = weekly(R, weeks, 2, 15, Metrics(reactions=5))  # 5 points in 15 min: 20 per hour
    mine = weekly(OG, weeks, 2, 45, Metrics(reactions=reactions))[:originals]
    assert ("move-to-original" in codes(relays + mine, KIND_RULES)) is expected


def test_kind_advice_text_evidence_and_change() -> None:
    relays = weekly(R, 4, 2, 15, Metrics(reactions=5))
    mine = weekly(OG, 4, 2, 45, Metrics(reactions=45))[:6]
    report = results.build_report("claire", relays + mine, [], {}, KIND_RULES, PARIS, NOW, weeks=12)
    (advice,) = [a for a in report.advice if a.code == "move-to-original"]
    assert advice.text == (
        "originals earned 3.0x more per hour than relays over 4 weeks: "
        "move one relay slot to an original"
    )
    assert advice.evidence == "4 weeks, 6 originals (60.0 per hour) vs 8 relays (20.0 per hour)"
    assert advice.change == results.ScheduleChange("convert", R, OG)


@pytest.mark.parametrize(("count", "expected"), [(3, True), (2, False)])
def test_source_earning_nothing_threshold(count: int, expected: bool) -> None:
    zero = weekly(R, count, 1, 15, Metrics(), source="X")
    good = weekly(R, 3, 1, 15, Metrics(reactions=4), source="Y")
    report = results.build_report("claire", zero + good, [], {}, SCHEDULE, PARIS, NOW, weeks=12)
    texts = [a.text for a in report.advice if a.code == "source-nothing"]
    assert texts == ([f"relays from X earned nothing in {count} weeks"] if expected else [])


def test_activity_meter_excludes_idle_gaps() -> None:
    t0 = datetime(2026, 11, 30, 8, tzinfo=UTC)
    now = [t0]
    meter = ActivityMeter(lambda: now[0])
    for seconds in (30, 90, 600, 630):  # +30 s, +60 s, then 8 min 30 away, then +30 s
        now[0] = t0 + timedelta(seconds=seconds)
        meter.touch()
    assert meter.active == timedelta(seconds=120)
    assert meter.started_at == t0
    # ten minutes writing in $EDITOR count whole; an editor left open an hour counts 30 min
    now[0] += timedelta(minutes=10)
    meter.credit()
    assert meter.active == timedelta(seconds=120 + 600)
    now[0] += timedelta(hours=1)
    meter.credit()
    assert meter.active == timedelta(seconds=120 + 600 + 1800)


def test_activity_log_counts_each_session_from_its_own_last_action() -> None:
    t0 = datetime(2026, 11, 30, 8, tzinfo=UTC)
    log = results.ActivityLog()

    def at(key: str, seconds: float) -> tuple[datetime, timedelta]:
        return log.touch(key, t0 + timedelta(seconds=seconds))

    assert at("a", 0) == (t0, timedelta(0))  # the first action starts the count
    assert at("a", 40) == (t0, timedelta(seconds=40))
    assert at("b", 50) == (t0 + timedelta(seconds=50), timedelta(0))  # its own start
    assert at("a", 40) == (t0 + timedelta(seconds=40), timedelta(0))  # the same report again
    assert at("a", 30)[1] == timedelta(0)  # late, out of order: nothing counts twice
    assert at("a", 220)[1] == results.IDLE_AFTER  # exactly the policy's limit still counts
    assert at("a", 401)[1] == timedelta(0)  # 3 min 1 s away: idle
    assert at("a", 401 + 8 * 3600)[1] == timedelta(0)  # a night with the tab open
    assert at("b", 401 + 8 * 3600 + 10)[1] == timedelta(0)  # b was forgotten: it starts again


def slot(kind: SlotKind, status: SlotStatus, item: int | None, comment: str | None) -> Slot:
    return Slot("s", "claire", NOW, kind, status, item_id=item, comment=comment)


@pytest.mark.parametrize(
    ("s", "refused"),
    [
        (slot(R, SlotStatus.PLANNED, 1, None), "has no comment"),
        (slot(R, SlotStatus.PLANNED, 1, "too short"), "has no comment"),
        (slot(R, SlotStatus.READY, 1, "A comment long enough to be a real comment."), None),
        (slot(R, SlotStatus.EMPTY, None, None), "is empty"),
        (slot(OG, SlotStatus.EMPTY, None, None), "is empty"),
        (slot(OG, SlotStatus.PLANNED, None, None), None),  # an original is the user's own text
    ],
)
def test_publish_refusal(s: Slot, refused: str | None) -> None:
    reason = results.publish_refusal(s, 20)
    assert (reason is None) if refused is None else (refused in (reason or ""))


def test_metrics_update_and_points() -> None:
    m = Metrics(reactions=14, comments=3).updated({"reactions": 20, "meetings": None})
    assert m == Metrics(reactions=20, comments=3)
    assert Metrics(1, 1, 1, 1, 1, 1).points == 1 + 2 + 2 + 5 + 10 + 20
    with pytest.raises(ValueError, match="cannot be negative"):
        m.updated({"reposts": -1})


def test_normalize_url() -> None:
    assert (
        results.normalize_url("HTTPS://www.LinkedIn.com/feed/update/urn:li:activity:1/?utm=x#c")
        == "https://www.linkedin.com/feed/update/urn:li:activity:1"
    )


def relays(source: str, n: int, reactions: int, *, weeks_ago: int = 1) -> list[Post]:
    at = NOW - timedelta(weeks=weeks_ago)
    return [
        post(f"{source}-{weeks_ago}-{i}", R, at + timedelta(hours=i), 15,
             Metrics(reactions=reactions), source, ("data",))
        for i in range(n)
    ]  # fmt: skip


def test_score_factors_need_a_minimum_of_relays() -> None:
    factors = results.score_factors(relays("A", 2, 10) + relays("B", 2, 0), NOW)
    assert factors.sources == {}
    assert set(factors.topics) == {"data"}  # four relays on one topic


@pytest.mark.parametrize(
    ("zero_posts", "expected"),
    [(3, 0.95), (4, 0.9), (6, 0.8), (12, 0.8)],  # slowly, never below the floor
)
def test_a_source_earning_nothing_slowly_loses_weight(zero_posts: int, expected: float) -> None:
    factors = results.score_factors(relays("A", 3, 10) + relays("B", zero_posts, 0), NOW)
    b = factors.sources["B"]
    assert b.factor == pytest.approx(expected)
    assert b.explanation == f"your relays from B earned nothing ({zero_posts} posts)"


def test_a_source_earning_results_ranks_a_little_higher_within_the_cap() -> None:
    # A: 10 per post, B: 0, average 5: A earns twice the average relay -> +10 %
    factors = results.score_factors(relays("A", 3, 10) + relays("B", 3, 0), NOW, "fr")
    a = factors.sources["A"]
    assert a.factor == pytest.approx(1.1) and a.posts == 3
    assert a.explanation == "vos relais de A ont rapporté 10,0 réactions par post (3 posts)"
    # far above the average: capped
    capped = results.score_factors(relays("A", 3, 1000) + relays("B", 30, 1), NOW)
    assert capped.sources["A"].factor == results.FACTOR_CAP
    assert capped.sources["B"].factor >= results.FACTOR_FLOOR


def test_score_factors_ignore_old_relays_and_originals() -> None:
    old = relays("A", 5, 0, weeks_ago=13)
    mine = [post(f"o{i}", OG, NOW - timedelta(days=i + 1), 45, Metrics(), "A") for i in range(5)]
    assert results.score_factors(old + mine, NOW) == results.ScoreFactors()


def test_weighted_feeds_and_explained_scores() -> None:
    from curator.types import Score, Term

    factors = results.score_factors(relays("A", 3, 10) + relays("B", 3, 0), NOW)
    weights = results.weighted_feeds({1: 2.0}, {1: "A", 2: "B", 3: "C"}, factors)
    assert weights == {1: pytest.approx(2.2), 2: pytest.approx(0.95)}
    scores = [
        Score("claire", 10, 0.5, 0.5, why=(Term("data", 0.4),)),
        Score("claire", 30, 0.5, 0.5, why=(Term("data", 0.4),)),
    ]
    out = results.explained(scores, {10: 1, 30: 3}, {1: "A", 3: "C"}, factors)
    assert out[0].why[0] == Term(factors.sources["A"].explanation, 0.0)
    assert out[1] == scores[1]  # C has no factor: unchanged


def test_topic_results_move_the_scores_of_items_on_that_topic_bounded_and_explained() -> None:
    from curator import score as sc
    from curator.types import Profile
    from tests.support.score import NOW as SCORED_AT
    from tests.support.score import make_item

    on = [
        post(f"{t}-{i}", R, NOW - timedelta(days=i + 1), 15, Metrics(reactions=n), None, (t,))
        for t, n in (("data science", 10), ("football", 0))
        for i in range(3)
    ]
    factors = results.score_factors(on, NOW)
    assert factors.topics["data science"].factor == pytest.approx(1.1)
    assert factors.topics["football"].factor == pytest.approx(0.95)
    items = [
        make_item(1, "Data science teams hire in Paris"),
        make_item(2, "Football clubs hire data analysts"),
        make_item(3, "Science museum hires a data clerk"),  # the words, not the phrase
        make_item(4, "Football: data science on the pitch"),  # both topics
        make_item(5, "A bakery opens in Lyon"),
    ]
    matrix = sc.vectorize(items, None)
    topics = results.topics_of_items(items, matrix, factors)
    assert {k: [f.key for f in v] for k, v in topics.items()} == {
        1: ["data science"],
        2: ["football"],
        4: ["data science", "football"],
    }
    weights = results.topic_weights(topics)
    assert weights == {1: pytest.approx(1.1), 2: pytest.approx(0.95), 4: pytest.approx(1.045)}
    profile = Profile("claire", "Hiring news: who hires analysts and scientists, and where.")
    plain = {
        s.item_id: s for s in sc.score_items(profile, items, now=SCORED_AT, matrix=matrix).scores
    }
    moved = {
        s.item_id: s
        for s in sc.score_items(
            profile, items, now=SCORED_AT, matrix=matrix, item_weights=weights
        ).scores
    }
    assert moved[1].source == pytest.approx(1.1) and moved[1].final > plain[1].final
    assert moved[2].source == pytest.approx(0.95) and moved[2].final < plain[2].final
    assert moved[3] == plain[3] and moved[5] == plain[5]
    out = results.explained(list(moved.values()), {}, {}, factors, topics)
    why = {s.item_id: [t.text for t in s.why if t.weight == 0] for s in out}
    assert why[1] == ["your relays on data science earned 10.0 reactions per post (3 posts)"]
    assert why[4] == [
        factors.topics["data science"].explanation,
        factors.topics["football"].explanation,
    ]
    assert why[3] == why[5] == []
    # However many topics earn, an item's topic weight stays within the bounds.
    many = {7: tuple(factors.topics["data science"] for _ in range(5))}
    assert results.topic_weights(many) == {7: results.FACTOR_CAP}


@pytest.mark.parametrize("module", ["results", "ideas"])
def test_the_french_words_live_in_the_catalog_not_in_the_code(module: str) -> None:
    from pathlib import Path

    import curator

    source = (Path(curator.__file__).parent / f"{module}.py").read_text(encoding="utf-8")
    assert not any(c in source for c in "éèàçù"), f"curator/{module}.py carries French words"
    assert '"fr"' not in source


def test_counts_take_the_reader_s_plural_form() -> None:
    figures = results.Metrics(reactions=14, contacts=1, conversations=1, meetings=2)
    assert results.metrics_text(figures, "en") == (
        "14 reactions, 1 contact, 1 conversation, 2 meetings"
    )
    assert results.metrics_text(figures, "fr") == (
        "14 réactions, 1 contact, 1 conversation, 2 rendez-vous"
    )


def test_a_one_line_list_leads_with_the_objective_s_words() -> None:
    from curator.types import Score, Term

    note = Term("your relays from A earned 3.1 reactions per post (4 posts)", 0.0)
    words = [Term(w, 0.5 - n / 10) for n, w in enumerate(["hiring", "data", "salary", "remote"])]
    score = Score("p", 1, 0.9, 0.9, why=(note, Term("related: payroll", 0.2), *words))
    assert [t.text for t in score.brief] == ["hiring", "data", "salary", note.text]
    assert score.why[0] == note  # the whole list keeps the note first
    assert Score("p", 2, 0.5, 0.5, why=(note,)).brief == (note,)
