from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from dataclasses import replace
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from scipy import sparse

from curator import score as sc
from curator.types import (
    Decision,
    DecisionKind,
    Item,
    Keywords,
    Profile,
    Score,
    ScoringSettings,
)
from tests.support.score import FILLER_EN, FILLER_FR, NOW, make_item

HR_EN = Profile(
    "hr",
    "I am an HR director. I write about recruitment, hiring managers, talent acquisition, "
    "onboarding new employees and remote work policies.",
)
HR_FR = Profile(
    "rh",
    "Je suis directrice des ressources humaines. Je publie sur le recrutement, la marque "
    "employeur, l'intégration des salariés et le télétravail.",
)


def corpus(lang: str) -> list[Item]:
    filler = FILLER_FR if lang == "fr" else FILLER_EN
    return [make_item(100 + k, t, language=lang) for k, t in enumerate(filler)]


def by_id(scores: list[Score]) -> dict[int, Score]:
    return {s.item_id: s for s in scores}


def ranked(scores: list[Score]) -> list[int]:
    return [s.item_id for s in sorted((s for s in scores if s.rank), key=lambda s: s.rank or 0)]


def test_relevant_english_item_beats_irrelevant() -> None:
    items = [
        *corpus("en"),
        make_item(1, "How to speed up hiring: five recruitment lessons for talent teams"),
        make_item(2, "Remote work policies that help onboarding of new employees"),
    ]
    result = sc.score_items(HR_EN, items, now=NOW)
    assert ranked(result.scores)[:2] == [1, 2] or ranked(result.scores)[:2] == [2, 1]
    s = by_id(result.scores)
    assert s[1].relevance > 0.2
    assert max(s[i].relevance for i in range(100, 110)) < s[2].relevance
    assert result.warnings == []


def test_relevant_french_item_beats_irrelevant() -> None:
    items = [
        *corpus("fr"),
        make_item(1, "Recruteurs : comment réussir l'intégration des nouveaux salariés"),
        make_item(2, "Le télétravail change la marque employeur des entreprises"),
    ]
    result = sc.score_items(HR_FR, items, now=NOW)
    assert set(ranked(result.scores)[:2]) == {1, 2}


def test_french_morphology_meets_through_stemming() -> None:
    # recrutement (objective) / recruteurs / recruter share one stem; accents fold.
    terms = {t for t in sc.analyze("", "recrutement recruteurs recruter Recrutés", "fr")}
    assert {t for t in terms if " " not in t} == {"recrut"}
    profile = Profile("p", "recrutement")
    items = [*corpus("fr"), make_item(1, "Les recruteurs peinent à recruter des ingénieurs")]
    result = sc.score_items(profile, items, now=NOW)
    assert ranked(result.scores)[0] == 1
    assert by_id(result.scores)[1].relevance > 0


def test_accent_folding_and_case() -> None:
    assert sc.analyze("", "Économie ÉCONOMIE economie", "fr") == sc.analyze(
        "", "economie economie économie", "fr"
    )


def test_blocked_keyword_removes_item() -> None:
    profile = replace(HR_EN, keywords=Keywords(block=("sponsored",)))
    items = [
        *corpus("en"),
        make_item(1, "Recruitment tips for hiring managers (Sponsored)"),
        make_item(2, "Recruitment tips for talent acquisition teams"),
    ]
    s = by_id(sc.score_items(profile, items, now=NOW).scores)
    assert s[1].blocked and s[1].final == 0.0 and s[1].rank is None
    assert not s[2].blocked and s[2].rank == 1


def test_block_matches_french_inflections_and_phrases() -> None:
    profile = replace(HR_FR, keywords=Keywords(block=("offre d'emploi", "publicité")))
    items = [
        *corpus("fr"),
        make_item(1, "Nos offres d'emploi en recrutement"),
        make_item(2, "Publicités : le recrutement en question"),
        make_item(3, "Le recrutement des cadres en hausse"),
    ]
    s = by_id(sc.score_items(profile, items, now=NOW).scores)
    assert s[1].blocked and s[2].blocked and not s[3].blocked


def test_block_word_deep_in_a_long_article_still_blocks() -> None:
    profile = replace(HR_FR, keywords=Keywords(block=("publireportage",)))
    long_body = "Le recrutement des salariés évolue. " * 120 + "Ceci est un publireportage."
    items = [*corpus("fr"), make_item(1, "Recrutement : le grand dossier", long_body)]
    assert len(long_body) > sc.BODY_CHARS
    s = by_id(sc.score_items(profile, items, now=NOW).scores)
    assert s[1].blocked and s[1].rank is None


def test_boost_raises_item() -> None:
    items = [
        *corpus("en"),
        make_item(1, "Recruitment trends: hiring managers and onboarding"),
        make_item(2, "Recruitment trends: hiring managers and employer branding"),
    ]
    plain = by_id(sc.score_items(HR_EN, items, now=NOW).scores)
    boosted_profile = replace(HR_EN, keywords=Keywords(boost=("employer branding",)))
    boosted = by_id(sc.score_items(boosted_profile, items, now=NOW).scores)
    assert boosted[2].boost > 0 and boosted[1].boost == 0
    assert boosted[2].final > plain[2].final
    assert boosted[2].rank == 1


def _feedback_items() -> list[Item]:
    items = corpus("en")
    k = 1
    for topic in ("salary negotiation pay raise", "diversity inclusion hiring bias"):
        for variant in ("guide", "survey", "report", "study", "lessons", "trends"):
            items.append(make_item(k, f"Recruitment {variant}: {topic}"))
            k += 1
    return items


def test_feedback_moves_scores_in_the_right_direction() -> None:
    items = _feedback_items()
    before = by_id(sc.score_items(HR_EN, items, now=NOW).scores)
    # Approve two salary items, reject two diversity items.
    decisions = [
        Decision("hr", 1, DecisionKind.APPROVE, NOW),
        Decision("hr", 2, DecisionKind.APPROVE, NOW),
        Decision("hr", 7, DecisionKind.REJECT, NOW),
        Decision("hr", 8, DecisionKind.REJECT, NOW),
    ]
    decided = [i for i in items if i.id in (1, 2, 7, 8)]
    after = by_id(
        sc.score_items(HR_EN, items, decisions=decisions, decided_items=decided, now=NOW).scores
    )
    for salary, diversity in ((3, 9), (4, 10), (5, 11)):
        assert after[salary].final > before[salary].final
        assert after[diversity].final < before[diversity].final
        assert after[salary].feedback > 0 > after[diversity].feedback
    # Decided items leave the queue.
    assert all(after[i].rank is None for i in (1, 2, 7, 8))


def test_linear_model_with_hundreds_of_decisions() -> None:
    rng = random.Random(7)
    items = _feedback_items()
    extra = []
    for k in range(400):
        salary = k % 2 == 0
        words = "salary pay raise bonus" if salary else "diversity bias inclusion quota"
        extra.append(make_item(1000 + k, f"Note {k}: {words} {rng.randint(0, 99)}"))
    decisions = [
        Decision(
            "hr",
            i.id,
            DecisionKind.APPROVE if "salary" in i.title else DecisionKind.REJECT,
            NOW - timedelta(minutes=n),
        )
        for n, i in enumerate(extra)
    ]
    result = sc.score_items(HR_EN, items + extra, decisions=decisions, decided_items=extra, now=NOW)
    s = by_id(result.scores)
    assert all(math.isfinite(x.final) for x in result.scores)
    assert min(s[i].final for i in (1, 2, 3)) > max(s[i].final for i in (7, 8, 9))
    assert all(s[i.id].rank is None for i in extra)


def test_decision_history_latest_wins_and_expired_snooze_is_pending() -> None:
    items = _feedback_items()
    decisions = [
        Decision("hr", 1, DecisionKind.APPROVE, NOW - timedelta(days=2)),
        Decision("hr", 1, DecisionKind.WITHDRAW, NOW - timedelta(days=1)),
        Decision(
            "hr", 2, DecisionKind.SNOOZE, NOW - timedelta(days=3), snooze_until=NOW - timedelta(1)
        ),
        Decision("hr", 3, DecisionKind.SNOOZE, NOW, snooze_until=NOW + timedelta(days=1)),
    ]
    s = by_id(
        sc.score_items(HR_EN, items, decisions=decisions, decided_items=items, now=NOW).scores
    )
    assert s[1].rank is None  # withdrawn: decided, not pending
    assert s[2].rank is not None  # snooze expired
    assert s[3].rank is None  # still snoozed


def _prolific_feed(others: str) -> list[Item]:
    items = [*corpus("en")]
    for k in range(8):  # one prolific feed, all very relevant
        items.append(make_item(k + 1, f"Recruitment and hiring managers guide part {k}", feed_id=7))
    for k in range(8):
        items.append(make_item(50 + k, others.format(k=k), feed_id=10 + k % 4))
    return items


def test_per_source_cap_holds() -> None:
    # The other feeds offer items about as good: the cap spreads the first page over them.
    items = _prolific_feed("Recruitment and hiring managers guide, note {k}")
    profile = replace(HR_EN, scoring=ScoringSettings(max_per_source=3, diversity=0.0))
    scores = sc.score_items(profile, items, now=NOW).scores
    top10 = [s for s in scores if s.rank and s.rank <= 10]
    assert len(top10) == 10
    feed_of = {i.id: i.feed_id for i in items}
    assert sum(1 for s in top10 if feed_of[s.item_id] == 7) == 3
    # Without the cap the prolific feed fills the head.
    uncapped = replace(HR_EN, scoring=ScoringSettings(max_per_source=0, diversity=0.0))
    top = [s for s in sc.score_items(uncapped, items, now=NOW).scores if s.rank and s.rank <= 8]
    assert sum(1 for s in top if feed_of[s.item_id] == 7) > 3


def test_per_source_cap_gives_way_to_clearly_better_items() -> None:
    # Issue 18: the other feeds only have clearly weaker items; variety does not lift them.
    items = _prolific_feed("New employees, note {k}")
    profile = replace(HR_EN, scoring=ScoringSettings(max_per_source=3, diversity=0.0))
    s = by_id(sc.score_items(profile, items, now=NOW).scores)
    prolific = [s[k] for k in range(1, 9)]
    weaker = [s[k] for k in range(50, 58)]
    assert min(p.final for p in prolific) > max(w.final for w in weaker) / (1 - sc.VARIETY_MARGIN)
    assert max(p.rank or 0 for p in prolific) < min(w.rank or 99 for w in weaker)


def _copies_and(other: str) -> list[Item]:
    items = [*corpus("en")]
    for k in range(4):
        items.append(
            make_item(k + 1, "Recruitment: hiring managers and talent acquisition", feed_id=k + 2)
        )
    items.append(make_item(9, other, feed_id=20))
    return items


def test_mmr_spreads_near_identical_stories() -> None:
    # A different story, about as good: within VARIETY_MARGIN of the copies.
    items = _copies_and("Remote work policies for new teams of employees")
    div = replace(HR_EN, scoring=ScoringSettings(max_per_source=0, diversity=0.7))
    order = ranked(sc.score_items(div, items, now=NOW).scores)
    assert sorted(order[:2])[1] == 9  # one copy and the different story share the top two
    plain = replace(div, scoring=ScoringSettings(max_per_source=0, diversity=0.0))
    assert 9 not in ranked(sc.score_items(plain, items, now=NOW).scores)[:2]


def test_mmr_never_lifts_a_clearly_worse_story() -> None:
    # Issue 18: variety chooses among items close to the best left, never a clearly worse one.
    items = _copies_and("Onboarding of employees")
    div = replace(HR_EN, scoring=ScoringSettings(max_per_source=0, diversity=0.7))
    s = by_id(sc.score_items(div, items, now=NOW).scores)
    assert s[9].final < (1 - sc.VARIETY_MARGIN) * min(s[k].final for k in range(1, 5))
    assert s[9].rank == 5


def test_a_clearly_better_item_is_never_below_a_clearly_worse_one() -> None:
    # Issue 18: with the default freshness, diversity and per-feed cap, over items of every age
    # (up to two weeks) and a few feeds, an item ranks below another only if its relevance is
    # less than 1 / (FRESHNESS_FLOOR * (1 - VARIETY_MARGIN)) times the other's (1.07: freshness
    # takes 5% at most, variety 1%).
    rng = random.Random(18)
    topics = [
        "hiring managers",
        "talent acquisition",
        "onboarding new employees",
        "remote work policies",
        "recruitment",
        "employee benefits",
    ]
    items = [*corpus("en")]
    for k in range(60):
        words = " and ".join(rng.sample(topics, rng.randint(1, 3)))
        items.append(
            make_item(
                k + 1,
                f"Note {k}: {words}",
                "A short report for practitioners.",
                feed_id=rng.randint(1, 4),
                published_at=NOW - timedelta(hours=rng.uniform(0, 14 * 24)),
            )
        )
    scores = sorted(
        (s for s in sc.score_items(HR_EN, items, now=NOW).scores if s.rank),
        key=lambda s: s.rank or 0,
    )
    assert len({round(s.relevance, 2) for s in scores}) > 10  # a real spread of relevance
    bound = 1.0 / (sc.FRESHNESS_FLOOR * (1.0 - sc.VARIETY_MARGIN))
    assert bound < 1.15
    for k, above in enumerate(scores):
        for below in scores[k + 1 :]:
            assert below.relevance <= bound * above.relevance, (above, below)


def test_cluster_counts_once() -> None:
    items = cluster_world()
    s = by_id(sc.score_items(HR_EN, items, now=NOW).scores)
    ranked_members = [i for i in (1, 2, 3) if s[i].rank is not None]
    # one story, shown once: as its representative (all three were published at once)
    assert ranked_members == [1]
    assert s[1].final == max(s[i].final for i in (1, 2, 3))


ORIGINAL = (
    "Hiring managers struggle to find talent",
    "Recruitment teams and hiring managers report longer searches for engineers this year.",
)


def repost_world(cluster: bool) -> list[Item]:
    # An article, and an aggregator's repost of it ten days later: fresher, so it scores higher.
    return [
        *corpus("en"),
        make_item(1, *ORIGINAL, feed_id=1, published_at=NOW - timedelta(days=10)),
        make_item(
            2,
            ORIGINAL[0],
            f"Vu sur Le Blog RH. {ORIGINAL[1]}",
            feed_id=2,
            cluster_id=1 if cluster else None,
        ),
        make_item(3, "Onboarding new employees in remote teams", feed_id=3),
    ]


def cluster_world() -> list[Item]:
    # One story in three versions, all published at once: 2 and 3 carry the cluster of item 1.
    return [
        *corpus("en"),
        make_item(1, "Recruitment news: hiring managers struggle", feed_id=1),
        make_item(
            2, "Recruitment news: hiring managers struggle to find talent", feed_id=2, cluster_id=1
        ),
        make_item(3, "Recruitment: hiring managers", feed_id=3, cluster_id=1),
    ]


def test_a_cluster_is_shown_as_its_original_under_its_best_score() -> None:
    alone = by_id(sc.score_items(HR_EN, repost_world(cluster=False), now=NOW).scores)
    assert alone[2].final > alone[1].final  # the repost is the better-scoring version
    s = by_id(sc.score_items(HR_EN, repost_world(cluster=True), now=NOW).scores)
    assert s[1].rank is not None and s[2].rank is None  # the original leads, the repost folds
    assert s[1].final == alone[2].final  # under the story's best score
    assert s[2].final == alone[2].final  # the repost keeps its own
    # the story ranks where its best version would have
    assert (s[1].rank < s[3].rank) == (alone[2].final > alone[3].final)


def test_a_cluster_whose_original_is_blocked_is_shown_as_its_next_version() -> None:
    blocking = replace(HR_EN, keywords=Keywords(block=("engineers",)))
    items = repost_world(cluster=True)
    k = next(n for n, i in enumerate(items) if i.id == 2)
    items[k] = replace(items[k], summary="Recruitment teams report longer searches this year.")
    s = by_id(sc.score_items(blocking, items, now=NOW).scores)
    assert s[1].blocked and s[1].rank is None
    assert s[2].rank is not None and not s[2].blocked


def test_a_story_decided_through_one_version_leaves_the_queue_whole() -> None:
    items = cluster_world()
    s = by_id(sc.score_items(HR_EN, items, now=NOW).scores)
    (shown,) = [i for i in (1, 2, 3) if s[i].rank is not None]
    for kind in (DecisionKind.APPROVE, DecisionKind.REJECT):
        decided = [Decision("hr", shown, kind, NOW)]
        s = by_id(sc.score_items(HR_EN, items, now=NOW, decisions=decided).scores)
        assert [i for i in (1, 2, 3) if s[i].rank is not None] == []
    # A snooze that is over brings the story back, once.
    over = [Decision("hr", shown, DecisionKind.SNOOZE, NOW, snooze_until=NOW)]
    s = by_id(sc.score_items(HR_EN, items, now=NOW, decisions=over).scores)
    assert len([i for i in (1, 2, 3) if s[i].rank is not None]) == 1


def test_explanation_terms_are_words_of_the_item() -> None:
    items = [
        *corpus("fr"),
        make_item(
            1,
            "Recruteurs et télétravail : l'intégration des salariés à distance",
            "Les entreprises qui recrutent revoient leur marque employeur.",
        ),
    ]
    s = by_id(sc.score_items(HR_FR, items, now=NOW).scores)[1]
    assert s.why, "a relevant item is explained"
    text = (items[-1].title + " " + items[-1].text).lower()
    for term in s.why:
        assert term.text in text, term.text
        assert term.weight > 0
    assert "télétravail" in {t.text for t in s.why} or "recruteurs" in {t.text for t in s.why}


def test_an_item_s_words_say_its_row_s_terms_and_where_each_is_first_shown() -> None:
    # One analysis serves the collision check (the row's terms) and the explanations (where
    # each term is first met, title first; a pair only where no punctuation parts it).
    item = make_item(
        1,
        "Marque employeur. Recrutement : les recruteurs",
        "La <b>marque</b> employeur compte ; le recrutement à distance aussi. Marque Employeur !",
        language="fr",
    )
    words = sc._ItemWords(item)
    assert words.terms == sc.item_terms(item)
    (recruit,) = sc._stems("recrutement", "fr")
    assert words.shown(recruit) == "recrutement"  # the title's, not the body's
    brand = " ".join(sc._stems("marque employeur", "fr"))
    assert words.shown(brand) == "marque employeur"
    # "employeur. Recrutement" is met in the title only, parted by a full stop.
    parted = " ".join(sc._stems("employeur recrutement", "fr"))
    assert parted in words.terms and words.shown(parted) is None
    # Parted in the title ("Recrutement : les recruteurs"), whole in the body.
    body_only = sc._ItemWords(
        make_item(2, "Recrutement : recruteurs", "Recrutement recruteurs", language="fr")
    )
    assert body_only.shown(f"{recruit} {recruit}") == "recrutement recruteurs"
    assert words.shown("absent") is None
    # A letter whose lower case is longer ("İ": two letters) moves the words of the lowercased
    # text: the places are read in the text itself.
    moved = make_item(
        3, "İstanbul : le recrutement à İzmir", "Recrutement, İstanbul", language="fr"
    )
    moved_words = sc._ItemWords(moved)
    assert moved_words.terms == sc.item_terms(moved)
    assert moved_words.shown(recruit) == "recrutement"


def test_deterministic() -> None:
    items = _feedback_items()
    decisions = [Decision("hr", 1, DecisionKind.APPROVE, NOW)]
    a = sc.score_items(HR_EN, items, decisions=decisions, decided_items=items[-12:], now=NOW)
    b = sc.score_items(HR_EN, list(items), decisions=decisions, decided_items=items[-12:], now=NOW)
    assert a == b


@pytest.mark.parametrize("objective", ["", "   ", "recruitment"])
def test_empty_or_one_word_objective_warns_and_still_ranks(objective: str) -> None:
    profile = Profile("p", objective)
    items = [*corpus("en"), make_item(1, "Recruitment is hard this year")]
    result = sc.score_items(profile, items, now=NOW)
    assert len(result.warnings) == 1 and "objective" in result.warnings[0]
    assert all(math.isfinite(s.final) and math.isfinite(s.relevance) for s in result.scores)
    assert all(s.rank is not None for s in result.scores)
    if objective.strip():
        assert ranked(result.scores)[0] == 1


def test_empty_objective_with_boost_keywords_is_a_keyword_ranking() -> None:
    profile = Profile("p", "", keywords=Keywords(boost=("onboarding",)))
    items = [*corpus("en"), make_item(1, "Onboarding checklists")]
    result = sc.score_items(profile, items, now=NOW)
    assert result.warnings
    assert ranked(result.scores)[0] == 1


def test_scoring_notes_are_said_in_the_readers_language() -> None:
    """The notes a pass leaves for the user (an empty objective, a language gap) are messages
    said in the reader's language, not English for everyone (issue 16)."""
    from curator import i18n

    french, english = i18n.language("fr"), i18n.language("en")
    (empty,) = sc.score_items(Profile("p", ""), corpus("en"), now=NOW).warnings
    assert french.say(empty).startswith("profil 'p' : l’objectif est vide")
    assert "classement par fraîcheur seulement" in french.say(empty)
    assert english.say(empty) == str(empty) and "freshness only" in str(empty)
    gap = sc.language_gap_note(TRAVEL_FR, _travel_world(), semantic=False)
    assert gap is not None
    assert "l’objectif est en français" in french.say(gap) and "des articles" in french.say(gap)
    assert "objective is in French" in english.say(gap)


def test_items_without_text_title_only_or_other_language() -> None:
    items = [
        *corpus("en"),
        make_item(1, ""),
        make_item(2, "Recruitment"),
        make_item(3, "Personalgewinnung und Einarbeitung neuer Mitarbeiter", language="other"),
        make_item(4, "招聘经理的新趋势", language="other"),
        make_item(5, "", "<p>&nbsp;</p>"),
        make_item(6, "!!! ??? 2026"),
    ]
    result = sc.score_items(HR_EN, items, now=NOW)
    assert len(result.scores) == len(items)
    assert all(math.isfinite(s.final) and 0.0 <= s.final <= 1.0 for s in result.scores)
    assert by_id(result.scores)[2].relevance > by_id(result.scores)[1].relevance == 0.0


def test_no_items_and_no_corpus() -> None:
    assert sc.score_items(HR_EN, [], now=NOW).scores == []


def test_freshness_decay_and_source_weight() -> None:
    old = make_item(1, "Recruitment and hiring managers", published_at=NOW - timedelta(hours=72))
    new = make_item(2, "Recruitment and hiring managers", published_at=NOW)
    heavy = make_item(3, "Recruitment and hiring managers", feed_id=9)
    items = [*corpus("en"), old, new, heavy]
    s = by_id(sc.score_items(HR_EN, items, now=NOW, feed_weights={9: 2.0}).scores)
    assert s[1].freshness == pytest.approx(0.5)
    assert s[1].final < s[2].final < s[3].final
    assert s[3].source == 2.0


def test_corpus_stats_incremental_equals_refit_and_round_trips() -> None:
    a, b = corpus("en"), corpus("fr")
    full = sc.CorpusStats.fit(a + b)
    incremental = sc.CorpusStats.fit(a).updated(added=b)
    assert incremental.n_docs == full.n_docs == 20
    assert (incremental.df == full.df).all()
    back = incremental.updated(removed=b)
    assert (back.df == sc.CorpusStats.fit(a).df).all()
    through = NOW
    restored = sc.CorpusStats.from_json(
        json.loads(json.dumps(replace(full, through=through).to_json()))
    )
    assert restored is not None
    assert restored.n_docs == full.n_docs and (restored.df == full.df).all()
    assert restored.through == through
    assert sc.CorpusStats.from_json({"version": 99}) is None
    assert sc.CorpusStats.from_json({"version": 1, "n_features": sc.N_FEATURES}) is None
    # Counted by another analyser, the frequencies would not match the counts that update them.
    other = {**full.to_json(), "analyser": sc.ANALYSER_VERSION - 1}
    assert sc.CorpusStats.from_json(other) is None


def test_stored_stats_give_the_same_ranking_as_fitting_on_the_items() -> None:
    items = _feedback_items()
    stats = sc.CorpusStats.fit(items)
    a = sc.score_items(HR_EN, items, now=NOW)
    b = sc.score_items(HR_EN, items, now=NOW, stats=stats)
    assert a == b


def test_matrix_can_be_shared_between_profiles() -> None:
    items = _feedback_items()
    matrix = sc.vectorize(items, None)
    assert sc.score_items(HR_FR, items, now=NOW, matrix=matrix) == sc.score_items(
        HR_FR, items, now=NOW
    )
    with pytest.raises(ValueError):
        sc.score_items(HR_FR, items[:-1], now=NOW, matrix=matrix)


def _many_profiles_world() -> tuple[list[Item], list[tuple[Profile, list[Decision]]]]:
    """Enough items for pseudo-relevance feedback, and profiles that differ in language,
    keywords and decisions."""
    items = _feedback_items()
    for k in range(70):
        a, b = FILLER_EN[k % 10], FILLER_EN[(3 * k + 1) % 10]
        fr = FILLER_FR[(7 * k) % 10]
        items.append(make_item(200 + k, f"{a} ({b})", f"{b}. {a}.", feed_id=1 + k % 4))
        items.append(make_item(300 + k, f"{fr}", fr, language="fr", feed_id=5))
    decisions = [
        Decision("hr", 1, DecisionKind.APPROVE, NOW),
        Decision("hr", 2, DecisionKind.APPROVE, NOW),
        Decision("hr", 3, DecisionKind.APPROVE, NOW),
        Decision("hr", 7, DecisionKind.REJECT, NOW),
        Decision("hr", 8, DecisionKind.REJECT, NOW),
        Decision("hr", 9, DecisionKind.REJECT, NOW),
    ]
    keywords = Keywords(boost=("salary negotiation",), block=("basketball",))
    return items, [
        (HR_EN, decisions),
        (HR_FR, []),
        (replace(HR_EN, name="kw", keywords=keywords), []),
        (Profile("weather", "Storms, weather warnings and the coast this weekend."), []),
    ]


def test_profiles_scored_as_one_product_score_as_each_alone() -> None:
    items, profiles = _many_profiles_world()
    by_item = {i.id: i for i in items}
    alone = [
        sc.score_items(
            p, items, decisions=d, decided_items=[by_item[x.item_id] for x in d], now=NOW
        )
        for p, d in profiles
    ]
    matrix = sc.vectorize(items, None)
    sc.expect_profiles(matrix, [(p, ()) for p, _ in profiles])
    together = []
    for k, (p, d) in enumerate(profiles):
        decided = [by_item[x.item_id] for x in d]
        together.append(
            sc.score_items(p, items, decisions=d, decided_items=decided, now=NOW, matrix=matrix)
        )
        # The first profile scored computed the relevance of all of them, in one product.
        assert len(matrix.prepared) == len(profiles) - 1 - k
    assert together == alone
    assert any(s.why for r in together for s in r.scores)
    assert any(s.blocked for s in together[2].scores)


def test_keep_rank_gives_what_a_full_pass_stores() -> None:
    items, profiles = _many_profiles_world()
    profile, decisions = profiles[0]
    decided = [i for i in items if i.id in {d.item_id for d in decisions}]
    full = sc.score_items(profile, items, decisions=decisions, decided_items=decided, now=NOW)
    ids = [d.item_id for d in decisions]
    kept = sc.score_items(
        profile,
        items,
        decisions=decisions,
        decided_items=decided,
        now=NOW,
        keep_rank=5,
        keep_items=ids,
    )
    assert kept.scores == sc.kept_scores(full.scores, ids, 5)
    assert len(kept.scores) == 5 + len(ids)


def test_top_indices_is_a_stable_sort_of_the_best() -> None:
    rng = np.random.default_rng(17)
    for _ in range(500):
        values = rng.integers(0, 4, int(rng.integers(0, 40))).astype(float)
        if values.size and rng.random() < 0.3:
            values[int(rng.integers(0, values.size))] = np.nan
        k = int(rng.integers(0, 45))
        expected = np.argsort(-values, kind="stable")[:k]
        assert sc._top_indices(values, k).tolist() == expected.tolist()


@pytest.mark.parametrize(
    ("text", "lang"),
    [("Recrutement des salariés et télétravail", "fr"), ("Hiring managers hire", "en")],
)
def test_term_index_names_the_matrix_columns(text: str, lang: str) -> None:
    row = sc._count_texts([("", text, lang)])
    terms = sc.analyze("", text, lang)
    assert sorted(row.indices.tolist()) == sorted({sc.term_index(t) for t in terms})
    assert row.sum() == len(terms)
    # A title's words count like the body's (issue 18).
    titled = sc._count_texts([(text, "", lang)])
    assert titled.sum() == row.sum() == len(terms)


def test_key_sentences_keep_an_extracted_title_line_apart() -> None:
    # Extracted pages start with the title on its own line, with no full stop after it.
    title = "Sourcing sur GitHub et les communautés tech : mode d'emploi"
    body = (
        f"{title}\nTrois échanges récents avec des recruteurs nous ont convaincus de revenir sur "
        "le sourcing technique.\nLes recruteurs qui lisent le code publié obtiennent plus de "
        "réponses des candidats."
    )
    sentences = sc.key_sentences(HR_FR, make_item(1, title, body, language="fr"), n=2)
    assert sentences == [
        "Trois échanges récents avec des recruteurs nous ont convaincus de revenir sur le "
        "sourcing technique.",
        "Les recruteurs qui lisent le code publié obtiennent plus de réponses des candidats.",
    ]


def test_key_sentences_and_matched_terms() -> None:
    item = make_item(
        1,
        "Le marché du travail",
        "Les prix du café augmentent encore. Les recruteurs cherchent des profils rares pour "
        "le télétravail. La météo sera clémente demain. Un autre sujet sans rapport ici.",
        language="fr",
    )
    sentences = sc.key_sentences(HR_FR, item, n=1)
    assert sentences == ["Les recruteurs cherchent des profils rares pour le télétravail."]
    assert len(sc.key_sentences(HR_FR, item, n=2)) == 2
    terms = sc.matched_terms(HR_FR, item)
    assert "recruteurs" in terms and "télétravail" in terms
    assert sc.key_sentences(HR_FR, make_item(2, "Titre seul")) == ["Titre seul"]
    assert sc.matched_terms(Profile("p", ""), item) == []


def test_language_guess() -> None:
    assert sc.guess_language("Les entreprises et les salariés dans la crise") == "fr"
    assert sc.guess_language("The companies and their employees in the crisis") == "en"
    assert sc.guess_language("anything", "fr") == "fr"
    # Lists of terms have no stop words to vote: an accent says French.
    assert sc.guess_language("Post-doc : CRISPR, exoplanètes, ondes gravitationnelles") == "fr"
    assert sc.guess_language("Country-risk desk: sanctions regimes, coups, NATO") == "en"
    assert sc.guess_language("The café owners of the town") == "en"


def test_a_french_list_of_terms_meets_french_inflections() -> None:
    # No stop word in the objective: it was stemmed in English, where "ondes" is "ond" and
    # "gravitationnelles" "gravitationnell", and met neither French "onde gravitationnelle".
    profile = Profile("p", "Astrophysicienne : ondes gravitationnelles, télescopes spatiaux.")
    items = [
        *corpus("fr"),
        make_item(1, "La Bourse de Paris recule encore", language="fr"),
        make_item(2, "Une onde gravitationnelle détectée en Europe", language="fr"),
    ]
    result = sc.score_items(profile, items, now=NOW)
    assert ranked(result.scores)[0] == 2
    assert by_id(result.scores)[2].relevance > 0


def test_score_module_imports_no_storage_cli_or_scheduler() -> None:
    code = (
        "import sys, curator.score; "
        "bad = [m for m in ('sqlalchemy', 'click', 'apscheduler') if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def _colliding_words() -> tuple[str, str]:
    """Two made-up words, kept whole by both stemmers, whose stems share a hashed column."""
    seen: dict[int, str] = {}
    for n in range(200_000):
        word = f"zq{n}vk"
        stems = {sc._stem(word, "en"), sc._stem(word, "fr")}
        assert stems == {word}
        col = sc.term_index(word)
        if col in seen:
            return seen[col], word
        seen[col] = word
    raise AssertionError("no collision found")


def test_a_hash_collision_neither_moves_a_score_nor_explains_it() -> None:
    # Issue 18: terms are hashed; two different words sharing a column must not meet.
    mine, other = _colliding_words()
    profile = Profile("p", f"Recruitment news and {mine} reports")
    items = [
        *corpus("en"),
        make_item(1, f"The {other} season opens", "Nothing else in common."),
        make_item(2, f"The {mine} season opens", "Nothing else in common."),
    ]
    s = by_id(sc.score_items(profile, items, now=NOW).scores)
    assert s[1].relevance == 0.0 and s[1].why == ()
    assert s[2].relevance > 0.0 and [t.text for t in s[2].why] == [mine]


def test_a_word_and_a_phrase_never_share_a_column() -> None:
    # Issue 18's example: "pourcentag" and the bigram "conseiller voyag" shared a column.
    assert sc.term_index("pourcentag") != sc.term_index("conseiller voyag")
    assert sc.term_index("pourcentag") < sc.HALF_FEATURES <= sc.term_index("conseiller voyag")


def test_why_words_are_the_objective_s_or_labelled_related() -> None:
    # Words that only pseudo-relevance feedback brought in are labelled, not passed off as
    # the user's own (issue 18).
    items = [*corpus("en")]
    for k in range(70):
        items.append(make_item(k + 1, f"Recruitment and sourcing tips, part {k}"))
    items.append(make_item(500, "Sourcing on GitHub", "Engineers publish code."))
    s = by_id(sc.score_items(HR_EN, items, now=NOW).scores)
    objective_terms = sc.analyze("", HR_EN.objective, "en")
    assert "sourc" not in objective_terms
    assert [t.text for t in s[500].why] == ["related: sourcing"]
    for score in s.values():
        for term in score.why:
            if not term.text.startswith("related: "):
                stems = sc.analyze("", term.text, "en")
                assert set(stems) <= set(objective_terms), term


@pytest.mark.parametrize(
    ("a", "b", "meet"),
    [
        ("opération", "tour-opérateur", False),
        ("communication", "commune", False),
        ("opérations", "opération", True),
        ("recrutement", "recruteurs", True),
    ],
)
def test_french_stemming_does_not_merge_unrelated_words(a: str, b: str, meet: bool) -> None:
    # Issue 18: "opération" matched "tour-opérateur" through the Snowball root "oper".
    assert bool(set(sc.analyze("", a, "fr")) & set(sc.analyze("", b, "fr"))) == meet


def _wanted_at_the_head(seed: int) -> list[bool]:
    """For the head of the queue after the first 16 items are judged: whether each item is
    one the user wants (pension items), for an objective about payroll audits that the
    decisions partly contradict. Items mix both vocabularies at random (seeded)."""
    rng = np.random.default_rng(seed)
    objective = ["payroll", "audit", "salary", "ledger"]
    wanted = ["pension", "withholding", "accrual", "retirement"]
    other = [
        "garden",
        "picnic",
        "office",
        "plants",
        "window",
        "meeting",
        "coffee",
        "holiday",
        "printer",
        "parking",
    ]
    items, wants = [], {}
    for k in range(60):
        n_objective, n_wanted = rng.integers(0, 3, size=2)
        words = [
            *rng.choice(other, 3),
            *rng.choice(objective, n_objective),
            *rng.choice(wanted, n_wanted),
        ]
        rng.shuffle(words)
        items.append(make_item(k + 1, " ".join(words[:3]), " ".join(words[3:])))
        wants[k + 1] = bool(set(words) & set(wanted))
    plain = ScoringSettings(freshness_half_life_hours=0, max_per_source=0, diversity=0.0)
    profile = Profile("p", "Payroll audit and salary ledger review", scoring=plain)
    first = sc.score_items(profile, items, now=NOW).scores
    judged = [s.item_id for s in sorted(first, key=lambda s: s.rank or 0)[:16]]
    decisions = [
        Decision(
            "p",
            i,
            DecisionKind.APPROVE if wants[i] else DecisionKind.REJECT,
            NOW - timedelta(minutes=n),
        )
        for n, i in enumerate(judged)
    ]
    assert 3 <= sum(wants[i] for i in judged) <= 13  # both kinds: the model is fitted
    after = sc.score_items(
        profile,
        items,
        decisions=decisions,
        decided_items=[i for i in items if i.id in judged],
        now=NOW,
    ).scores
    head = sorted((s for s in after if s.rank), key=lambda s: s.rank or 0)[:5]
    return [wants[s.item_id] for s in head]


@pytest.mark.parametrize("seed", [17, 30, 34])
def test_decisions_take_over_from_an_objective_they_partly_contradict(seed: int) -> None:
    # Issue 18: the user wants pension items, the objective speaks of payroll audits. After the
    # head of the first queue is judged, the pending queue's head is what the decisions asked
    # for. Before, the objective's own evidence was added back when it ranked held-out
    # decisions better, and items with its words alone (no pension word) led the queue again.
    assert _wanted_at_the_head(seed) == [True] * 5


@pytest.mark.parametrize("plain", [True, False], ids=["relevance only", "defaults"])
def test_decisions_rank_the_items_the_objective_does_not_match(plain: bool) -> None:
    # Issue 18: a French objective over English items matches none of them, so they all had a
    # relevance of 0; mapped onto those values, the decision model's ranking became a tie and
    # the queue kept an order unrelated to the decisions. The items the decisions ask for now
    # lead the queue, above the unrelated ones, even though the latter come first and are newer.
    objective = "Conseiller en gestion de patrimoine : Bourse, fusions, taux d'intérêt."
    unrelated = [
        make_item(100 + k, f"Garden party {k}: picnic photos and office plants") for k in range(8)
    ]
    wanted = [
        make_item(200 + k, f"Pension funds {k}: insurers cut payouts to retirees") for k in range(5)
    ]
    approved = [make_item(300 + k, f"Insurer pension deficit {k} widens") for k in range(4)]
    rejected = [make_item(400 + k, f"Garden picnic {k} in the office park") for k in range(4)]
    for n, item in enumerate(unrelated):  # newer than every wanted item
        unrelated[n] = replace(item, published_at=NOW - timedelta(minutes=n))
    for n, item in enumerate(wanted):
        wanted[n] = replace(item, published_at=NOW - timedelta(days=2, minutes=n))
    decided = [*approved, *rejected]
    decisions = [
        Decision("p", i.id, DecisionKind.APPROVE if i in approved else DecisionKind.REJECT, NOW)
        for i in decided
    ]
    settings = (
        ScoringSettings(freshness_half_life_hours=0, max_per_source=0, diversity=0.0)
        if plain
        else ScoringSettings()
    )
    profile = Profile("p", objective, language="fr", scoring=settings)
    items = [*unrelated, *wanted, *decided]
    scores = sc.score_items(profile, items, decisions=decisions, decided_items=decided, now=NOW)
    pending = by_id(scores.scores)
    worst_wanted = max(pending[i.id].rank or 10**6 for i in wanted)
    best_unrelated = min(pending[i.id].rank or 10**6 for i in unrelated)
    assert worst_wanted < best_unrelated, ranked(scores.scores)


def test_the_decision_model_learns_the_words_of_the_items_it_finds() -> None:
    # Issue 18: a few decisions use few of the words the wanted items use. Fitted again with its
    # own best items as weaker positives, the model ranks an item that shares no word with the
    # decisions but the vocabulary of the items they found above an unrelated one (before, both
    # got the model's intercept and the order of the items decided).
    approved = [make_item(1 + k, f"Payroll audit {k}: salary ledger review") for k in range(4)]
    rejected = [make_item(11 + k, f"Team picnic {k}: garden party photos") for k in range(4)]
    unrelated = make_item(40, "Office plants and a window cleaning schedule")
    wanted = make_item(41, "Withholding forms and pension accruals explained")
    found = [
        make_item(21 + k, f"Salary ledger {k}: withholding forms and pension accruals")
        for k in range(6)
    ]
    items = [*corpus("en"), unrelated, wanted, *found]
    decided = [*approved, *rejected]
    matrix = sc.vectorize([*items, *decided], None)
    x, xd = matrix.x[: len(items)], matrix.x[len(items) :]
    y = np.array([1] * len(approved) + [0] * len(rejected))
    pv = sc.profile_vector(HR_EN, matrix.idf)
    relevance = np.linspace(0.9, 0.1, len(items))  # distinct values: the output shows the order
    allowed = pv.strings.union(*(sc.item_terms(i) for i in decided))
    over = sc.ItemMatrix(tuple(i.id for i in items), x, matrix.idf)
    labels = tuple((i.id, int(label)) for i, label in zip(decided, y, strict=True))
    terms_of = lambda k: sc.item_terms(items[k])  # noqa: E731
    model = sc._fit_model(labels, xd, y, pv.vector, over, allowed, terms_of)
    out = sc._learned(model, over, relevance, terms_of)
    assert out[items.index(wanted)] > out[items.index(unrelated)]


TRAVEL_FR = Profile("voyage", "Je suis agent de voyages : hôtels, vols et visas pour mes clients.")


def _travel_world() -> list[Item]:
    return [
        *corpus("en"),
        make_item(1, "Cheap flights and hotel deals for your next trip", language="en"),
        make_item(2, "Visa rules change for travellers to Japan", language="en"),
    ]


def test_semantic_embeddings_bridge_a_french_objective_and_english_items() -> None:
    # Issue 18: stems do not meet across languages; the semantic extra's embeddings do.
    items = _travel_world()
    plain = by_id(sc.score_items(TRAVEL_FR, items, now=NOW).scores)
    assert plain[2].relevance == 0.0  # "visa" and "visas" meet in neither stemmer
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(items), 16)).astype(np.float32)
    topic = rng.normal(size=16).astype(np.float32)
    for k, item in enumerate(items):
        if item.id in (1, 2):
            vectors[k] = topic + 0.1 * vectors[k]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors[0] = np.nan  # an item without a vector is ranked by TF-IDF alone
    semantic = sc.SemanticInput(vectors, topic / np.linalg.norm(topic))
    fused = sc.score_items(TRAVEL_FR, items, now=NOW, semantic=semantic).scores
    assert sorted(ranked(fused)[:2]) == [1, 2]
    s = by_id(fused)
    assert s[2].relevance > 0.0 and s[items[0].id].relevance == 0.0
    assert all(0.0 <= x.relevance < 1.0 for x in fused)


def test_semantic_fusion_is_by_rank_keeps_the_scale_and_ignores_item_order() -> None:
    # Issue 18: TF-IDF and embeddings fused by rank. Most English items have no TF-IDF
    # evidence for a French objective: they share one rank, so the order the items come in
    # (database order) cannot decide the fusion.
    items = _travel_world()
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(len(items), 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    objective = vectors[-1] + 0.5 * vectors[-2]
    semantic = sc.SemanticInput(vectors, objective / np.linalg.norm(objective))
    fused = by_id(sc.score_items(TRAVEL_FR, items, now=NOW, semantic=semantic).scores)
    reverse = sc.SemanticInput(vectors[::-1].copy(), semantic.objective)
    backwards = sc.score_items(TRAVEL_FR, items[::-1], now=NOW, semantic=reverse).scores
    assert {s.item_id: s.relevance for s in backwards} == {i: s.relevance for i, s in fused.items()}
    assert all(0.0 <= s.relevance < 1.0 for s in fused.values())  # the relevance scale
    assert sorted(ranked(list(fused.values()))[:2]) == [1, 2]  # the nearest embeddings lead


def test_a_language_gap_is_noted_without_the_semantic_extra() -> None:
    items = _travel_world()
    note = sc.language_gap_note(TRAVEL_FR, items, semantic=False)
    assert note is not None and "curator[semantic]" in note and "French" in note
    assert sc.language_gap_note(TRAVEL_FR, items, semantic=True) is None
    assert sc.language_gap_note(HR_EN, items, semantic=False) is None


def test_equal_scores_rank_by_lower_id_whatever_the_order_of_the_items() -> None:
    # Ranking sorts by row when the ids ascend with the rows, as the store reads them (issue
    # 17); items given in another order still rank ties by id.
    same = [
        make_item(k, "Hiring managers and recruitment", "Talent acquisition teams.")
        for k in (7, 3, 5, 1)
    ]
    items = [*corpus("en"), *same]
    forward = ranked(sc.score_items(HR_EN, sorted(items, key=lambda i: i.id), now=NOW).scores)
    backward = ranked(sc.score_items(HR_EN, items[::-1], now=NOW).scores)
    assert forward[:4] == [1, 3, 5, 7]
    assert backward == forward


def test_a_matrix_gives_the_same_single_row_products_by_row_and_by_column() -> None:
    # Issue 17: after a few products over the whole matrix, `dot` reads the matrix by column
    # (only the items holding the row's terms); both ways give x @ v.T.
    items = [*corpus("en"), *corpus("fr")]
    matrix = sc.vectorize(items, None)
    rows = [sc._row_sum(matrix.x[[k, k + 1, k + 5]]) for k in range(sc.DOTS_BEFORE_COLUMNS + 3)]
    signed = sparse.csr_matrix(rows[0].multiply(-0.5))  # model weights can be negative
    for v in [*rows, signed]:
        expected = np.asarray((matrix.x @ v.T).toarray()).ravel()
        assert np.allclose(matrix.dot(v), expected, rtol=1e-12, atol=1e-15)
    assert "csc" in matrix.by_column


def _model_world() -> tuple[list[Item], list[Decision], list[Item]]:
    items, profiles = _many_profiles_world()
    decisions = profiles[0][1]
    return items, decisions, [i for i in items if i.id in {d.item_id for d in decisions}]


def test_a_model_of_the_same_decisions_is_applied_not_fitted_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue 19: a pass over unchanged decisions applies the model an earlier pass fitted (the fit
    # and scikit-learn's import cost a run more than its new items); the scores are the same.
    items, decisions, decided = _model_world()
    first = sc.score_items(HR_EN, items, decisions=decisions, decided_items=decided, now=NOW)
    assert first.model is not None
    assert first.model.labels == ((1, 1), (2, 1), (3, 1), (7, 0), (8, 0), (9, 0))

    def no_fit(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("fitted again")

    monkeypatch.setattr(sc, "_fit", no_fit)
    again = sc.score_items(
        HR_EN, items, decisions=decisions, decided_items=decided, now=NOW, model=first.model
    )
    assert again.model is first.model
    assert again.scores == first.scores
    # Stored and read back, it is the same model.
    restored = sc.DecisionModel.from_json(json.loads(json.dumps(first.model.to_json())))
    assert restored is not None and restored.labels == first.model.labels
    assert restored.terms == first.model.terms
    read = sc.score_items(
        HR_EN, items, decisions=decisions, decided_items=decided, now=NOW, model=restored
    )
    assert read.scores == first.scores
    assert sc.DecisionModel.from_json({"version": 1, "n_features": sc.N_FEATURES}) is None
    assert sc.DecisionModel.from_json(None) is None
    # A model over another analyser's columns would weigh other terms: fitted again.
    other = {**first.model.to_json(), "analyser": sc.ANALYSER_VERSION - 1}
    assert sc.DecisionModel.from_json(other) is None


def test_a_model_of_other_decisions_is_fitted_again() -> None:
    items, decisions, decided = _model_world()
    first = sc.score_items(HR_EN, items, decisions=decisions, decided_items=decided, now=NOW)
    more = [*decisions, Decision("hr", 4, DecisionKind.APPROVE, NOW)]
    decided_more = [i for i in items if i.id in {d.item_id for d in more}]
    after = sc.score_items(
        HR_EN, items, decisions=more, decided_items=decided_more, now=NOW, model=first.model
    )
    assert after.model is not None and after.model is not first.model
    assert (4, 1) in after.model.labels
    assert after == sc.score_items(
        HR_EN, items, decisions=more, decided_items=decided_more, now=NOW
    )
    # Too few decisions of one kind for a model: none is returned, the stored one is dropped.
    few = decisions[:4]
    decided_few = [i for i in items if i.id in {d.item_id for d in few}]
    result = sc.score_items(
        HR_EN, items, decisions=few, decided_items=decided_few, now=NOW, model=first.model
    )
    assert result.model is None


# Unrelated English titles: with FILLER_EN, enough items for pseudo-relevance feedback.
_OTHER_WORDS = [
    "garden",
    "recipe",
    "museum",
    "concert",
    "orchestra",
    "painting",
    "cricket",
    "harvest",
    "poetry",
    "novel",
    "chess",
    "violin",
    "pottery",
    "sculpture",
    "opera",
    "ballet",
    "gallery",
    "bakery",
    "cheese",
    "orchard",
]
_SEEDS = (
    "Airline cuts fares on transatlantic routes",
    "Passport queues grow at the airport",
    "Lost luggage claims rise for airline passengers",
    "Booking fees drop as airline fares fall",
    "Airport lounges reopen for passport holders",
    "New luggage allowance on short routes",
    "Online booking of airport transfers",
    "Fares and booking rules for family passports",
    "Airline luggage policy explained",
    "Airport check-in without a passport",
)


def _meaning_world() -> tuple[list[Item], np.ndarray, np.ndarray]:
    """English items for TRAVEL_FR (French), with embeddings built by hand: ten travel items
    that match the objective by meaning, a target that shares their words but whose embedding
    is a weaker match, a distractor that shares no word with them and matches by meaning a
    little better than the target, and unrelated items. No English word meets the objective's
    French stems."""
    rng = np.random.default_rng(7)
    dim = 32
    topic = np.zeros(dim, dtype=np.float32)
    topic[0] = 1.0

    def near(cosine: float) -> np.ndarray:
        other = rng.normal(size=dim).astype(np.float32)
        other[0] = 0.0
        return cosine * topic + math.sqrt(1 - cosine**2) * other / np.linalg.norm(other)

    others = [" ".join(rng.choice(_OTHER_WORDS, size=3, replace=False)) for _ in range(20)] + list(
        FILLER_EN
    )
    items = [make_item(1 + k, t, language="en") for k, t in enumerate(_SEEDS)]
    items.append(make_item(20, "Airline fares, passport, luggage, booking: the airport guide"))
    items.append(make_item(21, "Holiday cottages by the sea rented for the summer"))
    items += [make_item(100 + k, t, language="en") for k, t in enumerate(others)]
    vectors = np.vstack(
        [near(0.9) for _ in _SEEDS] + [near(0.35), near(0.45)] + [near(0.05) for _ in others]
    )
    return items, vectors, topic


def test_semantic_feedback_brings_up_items_sharing_the_words_of_the_matches_by_meaning() -> None:
    # Issue 18: across languages the TF-IDF's own best items are no evidence, and its pseudo-
    # relevance feedback expanded the objective with unrelated words. Seeded by the items that
    # match by meaning, it brings the English words of those items: an item using them rises,
    # though the embeddings alone rank it below one that shares none of them.
    items, vectors, topic = _meaning_world()
    plain = by_id(sc.score_items(TRAVEL_FR, items, now=NOW).scores)
    assert plain[20].relevance == 0.0 and plain[21].relevance == 0.0  # no word in common
    semantic = sc.SemanticInput(vectors, topic)
    s = by_id(sc.score_items(TRAVEL_FR, items, now=NOW, semantic=semantic).scores)
    assert s[20].relevance > s[21].relevance
    assert max(s[k].relevance for k in range(100, 100 + len(items) - 12)) < s[21].relevance


def test_decisions_move_the_objective_embedding_once_a_model_is_fitted() -> None:
    # Issue 18: once both kinds of decisions fit a model, which learns from words only, the
    # embeddings had no say; the decisions now move the objective's embedding too and the two
    # rankings are fused. An item that matches the approved ones by meaning alone, sharing no
    # word with anything decided, rises above the items that match by nothing.
    items, vectors, topic = _meaning_world()
    items.append(make_item(30, "Zanzibar catamaran snorkelling excursions", language="en"))
    vectors = np.vstack([vectors, 0.7 * topic + 0.7 * vectors[0]])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    by_item = {i.id: i for i in items}
    decisions = [
        Decision(TRAVEL_FR.name, k, kind, NOW - timedelta(minutes=k))
        for k, kind in [(k, DecisionKind.APPROVE) for k in range(1, 6)]
        + [(k, DecisionKind.REJECT) for k in range(100, 105)]
    ]
    semantic = sc.SemanticInput(vectors, topic)
    result = sc.score_items(
        TRAVEL_FR,
        items,
        decisions=decisions,
        decided_items=[by_item[d.item_id] for d in decisions],
        now=NOW,
        semantic=semantic,
    )
    assert result.model is not None  # the decision model ranks, not Rocchio
    s = by_id(result.scores)
    unrelated = [i.id for i in items if i.id >= 105]
    assert s[30].final > max(s[k].final for k in unrelated)


def test_feedback_counts_a_story_covered_by_many_items_once() -> None:
    # Issue 18: pseudo-relevance feedback expands the objective with the words of its best
    # items. When one event reported many times filled them, its words took the expansion,
    # and items sharing them the head of the queue. Each story now counts once: five articles
    # on interest rates (some of them close enough to count as one story) outweigh fifteen
    # reports of one vote, and what shares their words ranks first.
    objective = "Wealth adviser: savings, interest rates, fortunes and taxes of my clients."
    one_story = [
        make_item(100 + k, f"Wealth tax on fortunes: parliament votes the reform, round {k}")
        for k in range(15)
    ]
    rates = [
        "Interest rates: the central bank governor lifts the key rate",
        "Savings accounts pay more as interest rates climb at the central bank",
        "Mortgage interest rates follow the central bank governor's decision",
        "Interest rates on savings: what the central bank means for retirees",
        "Bond markets rally as the central bank governor pauses interest rates",
    ]
    five_stories = [make_item(200 + k, title) for k, title in enumerate(rates)]
    shares_the_story = make_item(300, "Parliament votes the reform of pensions")
    shares_the_stories = make_item(301, "Central bank governor hints at tightening")
    filler = [
        make_item(400 + k, f"{title} ({k // len(FILLER_EN)})")
        for k, title in enumerate(FILLER_EN * 6)
    ]
    items = [*one_story, *five_stories, shares_the_story, shares_the_stories, *filler]
    settings = ScoringSettings(freshness_half_life_hours=0, max_per_source=0, diversity=0.0)
    profile = Profile("p", objective, language="en", scoring=settings)
    order = ranked(sc.score_items(profile, items, now=NOW).scores)
    assert order.index(301) < order.index(300), order
