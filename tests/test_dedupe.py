"""Identity, canonical URLs, reconciling fetched entries, near-duplicate clustering."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curator.ingest.dedupe import (
    Action,
    ClusterDoc,
    KnownItem,
    assign_clusters,
    canonical_url,
    content_hash,
    entry_keys,
    identity,
    keys_for,
    reconcile,
)
from curator.types import ItemState, ParsedEntry
from tests.support.content import corpus_path

T0 = datetime(2024, 3, 4, 8, 0, tzinfo=UTC)


def entry(
    guid: str | None = "g1",
    url: str | None = "https://blog.example.com/post-1",
    title: str = "A title",
    content: str = "Some content.",
    summary: str = "",
) -> ParsedEntry:
    return ParsedEntry(
        guid=guid,
        url=url,
        title=title,
        summary=summary,
        content=content,
        author=None,
        published_at=T0,
        updated_at=None,
    )


# --- canonical URLs -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTP://Example.COM:80/a/b/?b=2&a=1#frag", "http://example.com/a/b?a=1&b=2"),
        ("https://example.com:443/", "https://example.com/"),
        ("https://example.com:8443/x/", "https://example.com:8443/x"),
        ("https://ex.com/p?utm_source=rss&utm_medium=feed&utm_campaign=x", "https://ex.com/p"),
        ("https://ex.com/p?id=7&fbclid=IwAR0&gclid=1&mc_cid=2&mc_eid=3", "https://ex.com/p?id=7"),
        ("https://www.lemonde.fr/a/article.html?xtor=RSS-3208", "https://www.lemonde.fr/a/article.html"),
        ("https://medium.com/@jane/title-1a2b?source=rss----abc---4", "https://medium.com/@jane/title-1a2b"),
        ("https://ex.com/page?source=catalog&ref=42", "https://ex.com/page?ref=42&source=catalog"),
        ("https://ex.com/view?sourceid=12&session=2024", "https://ex.com/view?session=2024&sourceid=12"),
        ("http://ex.com/%7euser/caf%c3%a9", "http://ex.com/~user/caf%C3%A9"),
        ("https://ex.com/a/./b/../c", "https://ex.com/a/c"),
        ("https://bücher.example/", "https://xn--bcher-kva.example/"),
        ("  https://ex.com/trailing/  ", "https://ex.com/trailing"),
        ("mailto:someone@example.com", "mailto:someone@example.com"),
        ("not a url", "not a url"),
    ],
)  # fmt: skip
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@given(
    st.builds(
        lambda host, path, query, frag: f"https://{host}/{path}?{query}#{frag}",
        st.sampled_from(["ex.com", "EX.com", "www.ex.com:443"]),
        st.text(alphabet="abc/%.~-_é ", max_size=12),
        st.text(alphabet="abc=&%+_utm", max_size=16),
        st.text(alphabet="abc", max_size=3),
    )
)
def test_canonical_url_is_idempotent(url: str) -> None:
    once = canonical_url(url)
    assert canonical_url(once) == once
    assert "#" not in once and "utm_" not in once.split("?")[-1].split("=")[0]


# --- identity and content hash --------------------------------------------------------------


def test_identity_prefers_guid_then_url_then_hash() -> None:
    url = canonical_url("https://blog.example.com/post-1?utm_source=x")
    assert identity(entry(), url) == "guid:g1"
    assert identity(entry(guid=None), url) == "url:https://blog.example.com/post-1"
    by_hash = identity(entry(guid=None, url=None), None)
    assert by_hash == "hash:" + content_hash("A title", "Some content.")
    assert identity(entry(guid="  "), url).startswith("url:")


def test_identity_of_a_huge_guid_is_bounded() -> None:
    key = identity(entry(guid="x" * 5000), None)
    assert key.startswith("guid:sha256:") and len(key) < 100


def test_content_hash_ignores_spacing_but_not_edits() -> None:
    base = content_hash("Title", "One two.\n\nThree.")
    assert content_hash("Title", "One  two.\nThree. ") == base
    assert content_hash("Title!", "One two.\n\nThree.") != base
    assert content_hash("Title", "One two.\n\nThree!") != base


# --- reconcile: what to do with each fetched entry ------------------------------------------


def known_from(e: ParsedEntry, item_id: int, state: ItemState = ItemState.ACTIVE) -> KnownItem:
    url = canonical_url(e.url) if e.url else None
    return KnownItem(
        id=item_id,
        identity=identity(e, url),
        url=url,
        content_hash=content_hash(e.title, e.content or e.summary),
        state=state,
    )


def test_first_fetch_is_all_new_then_unchanged() -> None:
    entries = [entry("a", "https://x.com/a"), entry("b", "https://x.com/b")]
    assert [r.action for r in reconcile(entries, [])] == [Action.NEW, Action.NEW]
    known = [known_from(entries[0], 1), known_from(entries[1], 2)]
    again = reconcile(entries, known)
    assert [(r.action, r.item_id) for r in again] == [(Action.UNCHANGED, 1), (Action.UNCHANGED, 2)]


def test_edited_title_is_an_update_in_place_not_a_duplicate() -> None:
    original = entry(title="Recrutement : 5 conseils")
    edited = replace(original, title="Recrutement : 6 conseils")
    (result,) = reconcile([edited], [known_from(original, 7)])
    assert result.action is Action.UPDATE and result.item_id == 7 and not result.rekeyed
    assert result.content_hash != known_from(original, 7).content_hash


def test_url_with_tracking_parameters_is_the_same_item() -> None:
    # No guid: identity by canonical URL, which ignores tracking parameters.
    stored = entry(guid=None, url="https://x.com/post")
    tracked = entry(guid=None, url="https://x.com/post/?utm_source=rss&utm_medium=feed#comments")
    (result,) = reconcile([tracked], [known_from(stored, 3)])
    assert (result.action, result.item_id) == (Action.UNCHANGED, 3)


def test_guid_change_with_same_url_is_matched_and_rekeyed() -> None:
    old = entry(guid="https://old-cms.example/?p=12", url="https://blog.example/post-12")
    new = replace(old, guid="tag:new-cms,2024:post-12")
    (result,) = reconcile([new], [known_from(old, 12)])
    assert result.action is Action.UPDATE and result.item_id == 12 and result.rekeyed
    assert result.identity == "guid:tag:new-cms,2024:post-12"


def test_guid_change_does_not_match_a_url_shared_by_several_entries() -> None:
    # A podcast linking every episode to its home page: same URL, different items.
    home = "https://podcast.example/"
    stored = entry(guid="ep-1", url=home, title="Episode 1")
    fetched = [entry("ep-2", home, "Episode 2"), entry("ep-3", home, "Episode 3")]
    actions = [r.action for r in reconcile(fetched, [known_from(stored, 1)])]
    assert actions == [Action.NEW, Action.NEW]


def test_guid_change_does_not_steal_an_item_still_in_the_feed() -> None:
    first = entry(guid="a", url="https://x.com/same")
    second = entry(guid="b", url="https://x.com/other")
    # The document still contains "a", so the URL match for a new guid must not take it.
    newcomer = entry(guid="c", url="https://x.com/same", title="Different")
    results = reconcile([first, newcomer, second], [known_from(first, 1), known_from(second, 2)])
    assert [r.action for r in results] == [Action.UNCHANGED, Action.NEW, Action.UNCHANGED]


@pytest.mark.parametrize("guid_changed", [False, True])
def test_deleted_items_never_come_back(guid_changed: bool) -> None:
    stored = entry(guid="gone", url="https://x.com/deleted")
    fetched = replace(stored, guid="renamed") if guid_changed else stored
    (result,) = reconcile([fetched], [known_from(stored, 9, ItemState.DELETED)])
    assert (result.action, result.item_id) == (Action.TOMBSTONED, 9)


def test_keys_computed_ahead_give_the_same_reconciliation() -> None:
    # The parse worker computes entry_keys; the writer reconciles from them.
    stored = entry(guid="a", url="https://x.com/a?utm_source=feed")
    fetched = [
        replace(stored, title="Edited"),
        entry(guid=None, url="https://x.com/b/#top"),
        entry(guid=None, url=None, title="No link", content="Only text."),
    ]
    keys = entry_keys(fetched)
    assert keys[1][:2] == ("url:https://x.com/b", "https://x.com/b")
    assert keys[2][0] == "hash:" + keys[2][2]
    known = [known_from(stored, 1)]
    assert reconcile(fetched, known, keys) == reconcile(fetched, known)
    assert [r.action for r in reconcile(fetched, known, keys)] == [
        Action.UPDATE,
        Action.NEW,
        Action.NEW,
    ]
    assert keys_for(fetched, keys) == keys_for(fetched)


def test_the_same_entry_twice_in_one_document_is_a_duplicate() -> None:
    e = entry()
    results = reconcile([e, replace(e, title="Edited copy")], [])
    assert [r.action for r in results] == [Action.NEW, Action.DUPLICATE]


def test_keys_for_gives_lookup_keys() -> None:
    identities, urls = keys_for([entry(), entry(guid=None, url="https://x.com/a/?utm_source=z")])
    assert identities == {"guid:g1", "url:https://x.com/a"}
    assert urls == {"https://blog.example.com/post-1", "https://x.com/a"}


# --- near-duplicate clustering --------------------------------------------------------------

ARTICLE = (
    "La Banque centrale européenne a annoncé jeudi une nouvelle baisse de ses taux directeurs, "
    "la troisième depuis le début de l'année, pour soutenir une croissance jugée trop faible "
    "dans la zone euro. Sa présidente a expliqué que l'inflation se rapprochait durablement de "
    "l'objectif de deux pour cent et que les risques pesant sur l'activité s'étaient accrus avec "
    "les tensions commerciales. Les marchés avaient largement anticipé cette décision, mais "
    "plusieurs économistes estiment que la banque devra aller plus loin au printemps si les "
    "indicateurs de confiance des entreprises continuent de se dégrader. Les banques "
    "commerciales, dont les marges souffrent de taux bas, ont accueilli l'annonce avec réserve, "
    "tandis que les associations de consommateurs y voient une bonne nouvelle pour les "
    "emprunteurs immobiliers qui renégocient leur crédit cette année."
)
OTHER_ARTICLE = (
    "Le salon de l'agriculture a ouvert ses portes samedi à Paris avec une fréquentation en "
    "hausse, malgré les inquiétudes des éleveurs sur le prix du lait et les nouvelles normes "
    "environnementales. Le ministre a promis un plan d'aide aux jeunes agriculteurs, dont le "
    "détail sera présenté en conseil des ministres dans les prochaines semaines. Les syndicats "
    "restent divisés sur la méthode, certains réclamant une loi d'urgence et d'autres une "
    "négociation filière par filière, et plusieurs manifestations sont prévues en région."
)


def doc(
    item_id: int, feed_id: int, text: str, hours: float = 0, cluster: int | None = None
) -> ClusterDoc:
    return ClusterDoc(
        id=item_id,
        feed_id=feed_id,
        text=text,
        when=T0 + timedelta(hours=hours),
        cluster_id=cluster,
    )


def excerpt(text: str, words: int) -> str:
    return " ".join(text.split()[:words]) + " […]"


def test_same_story_in_two_feeds_is_clustered_with_the_original_as_representative() -> None:
    original = doc(1, feed_id=10, text=ARTICLE, hours=0)
    aggregator = doc(
        2, feed_id=20, text=excerpt(ARTICLE, 60) + " Lire la suite sur le blog.", hours=3
    )
    result = assign_clusters([aggregator, original], [])
    assert result.assignments == {1: 1, 2: 1}
    assert result.merged == {}


def test_press_release_reposted_with_edits_is_clustered() -> None:
    repost = "Communiqué de presse. " + ARTICLE.replace("jeudi", "ce jeudi").replace(
        "cette année.", "cette année. Contact presse : service communication."
    )
    result = assign_clusters([doc(5, 2, repost, hours=30)], [doc(4, 1, ARTICLE, hours=1)])
    assert result.assignments == {5: 4, 4: 4}  # the stored original becomes representative


def test_a_new_copy_of_a_stored_story_joins_it() -> None:
    stored = [
        doc(1, 1, ARTICLE),
        doc(2, 2, ARTICLE, hours=1, cluster=None),
        doc(3, 3, OTHER_ARTICLE),
    ]
    # The stored pair was clustered earlier under id 1.
    stored[0] = replace(stored[0], cluster_id=1)
    stored[1] = replace(stored[1], cluster_id=1)
    result = assign_clusters([doc(9, 4, excerpt(ARTICLE, 70), hours=5)], stored)
    assert result.assignments == {9: 1}  # the existing cluster keeps its id; nothing else moves


def test_an_item_bridging_two_clusters_merges_them_under_the_older_id() -> None:
    half = len(ARTICLE) // 2
    first_half, second_half = ARTICLE[:half], ARTICLE[half:]
    stored = [
        doc(1, 1, first_half, cluster=1),
        doc(2, 2, first_half, hours=1, cluster=1),
        doc(3, 3, second_half + " " + OTHER_ARTICLE, cluster=3),
        doc(4, 4, second_half + " " + OTHER_ARTICLE, hours=1, cluster=3),
    ]
    bridge = doc(7, 5, ARTICLE + " " + OTHER_ARTICLE, hours=2)
    result = assign_clusters([bridge], stored)
    assert result.assignments[7] == 1
    assert result.merged == {3: 1}


@pytest.mark.parametrize(
    "short",
    [
        "Read the full article on our website.",
        "Nouvel épisode du podcast disponible. Abonnez-vous pour ne rien manquer de nos émissions.",
        excerpt(ARTICLE, 25),
    ],
)
def test_short_texts_are_not_clustered(short: str) -> None:
    result = assign_clusters([doc(1, 1, short), doc(2, 2, short, hours=1)], [])
    assert result.assignments == {1: None, 2: None}


def test_different_stories_are_not_clustered() -> None:
    result = assign_clusters([doc(1, 1, ARTICLE), doc(2, 2, OTHER_ARTICLE)], [])
    assert result.assignments == {1: None, 2: None}


def test_the_same_feed_and_far_apart_items_are_not_clustered() -> None:
    same_feed = assign_clusters([doc(1, 1, ARTICLE), doc(2, 1, ARTICLE, hours=1)], [])
    assert same_feed.assignments == {1: None, 2: None}
    far = assign_clusters([doc(1, 1, ARTICLE), doc(2, 2, ARTICLE, hours=24 * 4)], [])
    assert far.assignments == {1: None, 2: None}
    within = assign_clusters([doc(1, 1, ARTICLE), doc(2, 2, ARTICLE, hours=24 * 4)], [],
                             window=timedelta(days=5))  # fmt: skip
    assert within.assignments == {1: 1, 2: 1}


def test_an_explainer_quoted_inside_a_long_article_is_not_its_copy() -> None:
    filler = " ".join(f"paragraphe{i} sur un tout autre sujet" for i in range(60))
    long_article = OTHER_ARTICLE + " " + filler + " " + ARTICLE
    result = assign_clusters([doc(1, 1, long_article), doc(2, 2, ARTICLE)], [])
    assert result.assignments == {1: None, 2: None}


def test_lemonde_corpus_real_articles_with_planted_copies() -> None:
    """2,404 real French articles: planted excerpts and reposts found, explainers not merged."""
    path = corpus_path("ranking", "lemonde_fr", "lemonde_2017.jsonl")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    originals = [doc(r["id"], r["id"] % 8, r["text"], hours=r["id"] % 48) for r in rows]
    planted = []
    for n, row in enumerate(rows[:: len(rows) // 20][:20]):
        text = excerpt(row["text"], 80) if n % 2 else "Via notre partenaire : " + row["text"]
        planted.append(doc(100_000 + row["id"], 99, text, hours=row["id"] % 48 + 2))
    result = assign_clusters(planted, originals)
    for copy in planted:
        if len(copy.text.split()) >= 50:
            assert result.assignments[copy.id] == copy.id - 100_000, copy.text[:80]
    # The originals among themselves, as when they were fetched.
    alone = assign_clusters(originals, [])
    clustered = [i for i, c in alone.assignments.items() if c is not None]
    assert len(clustered) < len(originals) * 0.01
    # Short explainer boxes that Le Monde embeds whole inside longer articles.
    for small, large in [(116, 112), (1020, 125), (739, 402)]:
        assert (
            alone.assignments[small] is None or alone.assignments[small] != alone.assignments[large]
        )


@given(st.text(max_size=60) | st.builds(lambda s: "http://" + s, st.text(max_size=60)))
@settings(max_examples=300, deadline=None)
def test_canonical_url_never_raises(url: str) -> None:
    assert isinstance(canonical_url(url), str)
