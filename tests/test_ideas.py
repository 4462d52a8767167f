"""Originals from ideas (issue 15): the backlog, evergreen posts, themes that are never a
headline and never repeat within four weeks; `curator ideas` and "keep for my own post"."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from curator import ideas, review
from curator.cli import cli
from curator.ideas import SEPARATOR, Idea, original_themes, theme_term
from curator.results import Metrics, Post
from curator.types import SlotKind
from tests.support.plan import NOW, World, world

__all__ = ["world"]


def idea(n: int, text: str, **kw: object) -> Idea:
    return Idea(n, "claire", text, NOW - timedelta(days=10 - n), **kw)  # type: ignore[arg-type]


def themes(**kw: object) -> list[str]:
    args: dict[str, object] = {
        "ideas": (),
        "terms": (),
        "past": (),
        "originals": (),
        "avoid_terms": (),
        "avoid_items": (),
        "titles": (),
        "now": NOW,
    }
    args.update(kw)
    return original_themes(**args)  # type: ignore[arg-type]


def test_the_backlog_comes_first_oldest_first() -> None:
    backlog = [
        idea(2, "Second idea", angle="my angle"),
        idea(1, "First idea"),
        idea(3, "Dropped", dropped_at=NOW),
        idea(4, "Used", used_at=NOW, used_slot_id="s"),
        idea(5, "About a planned relay", item_id=7),
    ]
    out = themes(ideas=backlog, terms=["data"], avoid_items={7})
    assert out == [
        "First idea",
        f"Second idea{SEPARATOR}my angle",
        f"data{SEPARATOR}what I see in the field",
    ]


def test_terms_get_angles_and_skip_what_relays_are_about() -> None:
    out = themes(
        terms=["data", "recrutement", "data", "PME"], avoid_terms={"Recrutement"}, language="fr"
    )
    assert out == [
        f"data{SEPARATOR}ce que j'observe sur le terrain",
        f"PME{SEPARATOR}l'erreur que je vois le plus souvent",
    ]


def test_no_theme_within_four_weeks_of_the_same_term() -> None:
    past = [
        (NOW - timedelta(weeks=3), f"data{SEPARATOR}what changed in a year"),
        (NOW - timedelta(weeks=5), f"pipeline{SEPARATOR}what I see in the field"),
        (NOW + timedelta(days=2), "Planned idea"),
    ]
    out = themes(terms=["data", "pipeline"], past=past, ideas=[idea(1, "Planned idea")])
    assert out == [f"pipeline{SEPARATOR}what I see in the field"]


def test_a_theme_never_contains_a_headline() -> None:
    title = "Recruter des data engineers en 2026"
    out = themes(terms=[title, "data"], titles={title, "data"})  # "data" is too short a title
    assert out == [f"data{SEPARATOR}what I see in the field"]


def original(slot: str, points: int, weeks_ago: int, title: str) -> Post:
    return Post(
        slot, "claire", SlotKind.ORIGINAL, NOW - timedelta(weeks=weeks_ago), 45, title=title,
        results=Metrics(reactions=points),
    )  # fmt: skip


def test_a_past_original_that_did_well_comes_back_after_its_cooldown_at_most_twice() -> None:
    good = original("o1", 60, 9, "What 200 cold emails taught me")
    recent = original("o2", 80, 3, "Too recent to repeat")
    weak = original("o3", 10, 12, "Did not do well")
    again = "Worth sharing again, updated: What 200 cold emails taught me"
    assert themes(originals=[good, recent, weak]) == [again]
    # suggested once 9 weeks ago: again (cooldown over); once 2 weeks ago: not yet
    assert themes(originals=[good], past=[(NOW - timedelta(weeks=9), again)]) == [again]
    assert themes(originals=[good], past=[(NOW - timedelta(weeks=2), again)]) == []
    twice = [(NOW - timedelta(weeks=20), again), (NOW - timedelta(weeks=10), again)]
    assert themes(originals=[good], past=twice) == []


def test_kept_idea_is_built_from_terms_not_the_title() -> None:
    assert ideas.kept_idea_text(["data", "PME", "data"], "fr") == "Mon point de vue sur data, PME"
    assert ideas.kept_idea_text([], "en") == "My take on …"


words = st.text(alphabet="abcdefghij ", min_size=1, max_size=20).map(str.strip).filter(bool)


@settings(max_examples=150, deadline=None)
@given(
    terms=st.lists(words, max_size=15),
    titles=st.lists(st.text(alphabet="abcdefghij ", min_size=12, max_size=40), max_size=6),
    past_terms=st.lists(words, max_size=6),
    weeks_ago=st.lists(st.integers(0, 8), min_size=6, max_size=6),
)
def test_themes_never_a_headline_never_a_recent_term(
    terms: list[str], titles: list[str], past_terms: list[str], weeks_ago: list[int]
) -> None:
    past = [
        (NOW - timedelta(weeks=w, hours=1), f"{t}{SEPARATOR}x")
        for t, w in zip(past_terms, weeks_ago, strict=False)
    ]
    recent = {
        t.casefold()
        for (at, _), t in zip(past, past_terms, strict=False)
        if at >= NOW - timedelta(weeks=4)
    }
    out = themes(terms=terms + titles, titles=titles, past=past)
    assert len({theme_term(t) for t in out}) == len(out)  # no term twice
    for theme in out:
        assert theme_term(theme) not in recent
        folded = " ".join(theme.casefold().split())
        assert not any(
            " ".join(t.casefold().split()) in folded for t in titles if len(t.strip()) >= 12
        )


@settings(max_examples=60, deadline=None)
@given(
    terms=st.lists(words, min_size=0, max_size=20, unique_by=str.casefold),
    per_week=st.integers(1, 3),
)
def test_weeks_of_originals_never_repeat_a_theme_within_four_weeks(
    terms: list[str], per_week: int
) -> None:
    """The planner gives each week's original slots the first themes; week after week, no
    term comes back within four weeks (the objective's sentence stands in when none is left)."""
    past: list[tuple[datetime, str]] = []
    for week in range(10):
        now = NOW + timedelta(weeks=week)
        for theme in themes(terms=terms, past=past, now=now)[:per_week]:
            earlier = [at for at, t in past if theme_term(t) == theme_term(theme)]
            assert all(now - at >= timedelta(weeks=4) for at in earlier)
            past.append((now, theme))


# -- the CLI, the plan and the review key ----------------------------------------------------


def invoke(w: World, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["--config", str(w.config), "--db", w.db_url, *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


THU = "claire-2026-12-03-0830-original"


def test_ideas_fill_original_slots_first_and_are_marked_used(world: World) -> None:
    out = invoke(world, "ideas", "add", "Ce que trois ans de recrutements m'ont appris").output
    assert "Ajoutée\u00a0: #1 [ouverte]" in out  # claire reads French (issue 16)
    invoke(world, "ideas", "add", "Une idée abandonnée")
    invoke(world, "ideas", "drop", "2")
    invoke(world, "plan")
    slots = {s["id"]: s for s in json.loads(invoke(world, "calendar", "--json").output)}
    assert slots[THU]["topic"] == "Ce que trois ans de recrutements m'ont appris"
    later = slots["claire-2026-12-10-0830-original"]["topic"]
    assert later != slots[THU]["topic"] and SEPARATOR in later
    listed = json.loads(invoke(world, "ideas", "list", "--all", "--json").output)
    assert [(i["id"], i["used_slot_id"], bool(i["dropped_at"])) for i in listed] == [
        (1, THU, False),
        (2, None, True),
    ]
    assert invoke(world, "ideas", "list").output.startswith("Pas encore d’idée")


def test_no_original_is_another_sites_headline(world: World) -> None:
    from tests.support.plan import ITEMS

    invoke(world, "plan")
    slots = json.loads(invoke(world, "calendar", "--json", "--weeks", "2").output)
    topics = [s["topic"] for s in slots if s["kind"] == "original"]
    assert topics and all(topics)
    for topic in topics:
        assert not any(title in topic for _, title, _, _ in ITEMS)
    assert len({theme_term(t) for t in topics}) == len(topics)
    relays = {s["item"]["id"] for s in slots if s["item"]}
    relay_terms = {
        t for n, (_, _, _, why) in enumerate(ITEMS) if world.item_ids[n] in relays for t in why[:2]
    }
    assert not {theme_term(t) for t in topics} & {t.casefold() for t in relay_terms}


def test_keep_for_my_own_post(world: World) -> None:
    app = world.app()
    try:
        kept = app.keep_idea("claire", world.item_ids[0])
    finally:
        app.close()
    assert kept.text == "Mon point de vue sur recrutement, data"
    assert kept.item_id == world.item_ids[0]
    assert "Recruter des data engineers" not in kept.text


def test_the_review_key_i_keeps_the_item_for_my_own_post() -> None:
    entry = review.Entry(id=3, title="A headline", feed="Alpha")
    state = review.start([entry], datetime(2026, 11, 30, tzinfo=UTC))
    after, effects = review.step(state, "i")
    assert effects == (review.KeepIdea(entry),)
    assert after.entries == state.entries  # not a decision: the item stays in the queue
    empty = review.start([], datetime(2026, 11, 30, tzinfo=UTC))
    assert review.step(empty, "i")[1] == ()
