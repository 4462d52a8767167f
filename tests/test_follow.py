"""Following a colleague's picks on a shared database (issue 17): her approved items enter the
follower's queue with her comment and count as a source; the team never relays one story twice
the same day. On SQLite and PostgreSQL (`any_db`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from curator.app import Curator
from curator.config import parse_settings
from curator.review import detail_lines
from curator.store import Database
from curator.types import DecisionKind, Follow
from tests.support.http import FeedServer, Route
from tests.support.ingest import Clock, rss

NOW = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # a Monday morning in Paris

STORIES = [
    ("Recruiting data engineers in 2026", "Hiring data engineers and developers is slower."),
    ("Developer salaries: the big survey", "Developers and data people on pay and hiring."),
    ("Technical interviews that work", "How tech recruiting teams run interviews for developers."),
    ("Kubernetes operators in depth", "Cloud platform engineering with operators and CRDs."),
]

CONFIG = """\
profiles:
  - name: alice
    objective: Tech recruiting, data and developer hiring.
    language: en
    timezone: Europe/Paris
    schedule:
      min_comment_chars: 10
      slots:
        - {{day: mon, time: "14:00"}}
        - {{day: tue, time: "14:00"}}
        - {{day: wed, time: "14:00"}}
  - name: bob
    objective: Tech recruiting, data and developer hiring.
    language: {bob_language}
    timezone: Europe/Paris
    follow: [{{profile: alice, weight: 1.5}}]
    schedule:
      min_comment_chars: 10
      slots:
        - {{day: mon, time: "16:00"}}
        - {{day: tue, time: "16:00"}}
        - {{day: wed, time: "16:00"}}
fetch:
  allow_private_addresses: true
  timeout: 5
feeds:
  - url: {url}
"""


@pytest.fixture
def feed_url() -> Iterator[str]:
    with FeedServer() as server:
        items = [
            {"title": title, "guid": f"g{n}", "link": f"https://example.org/{n}",
             "description": text}
            for n, (title, text) in enumerate(STORIES)
        ]  # fmt: skip
        yield server.route("/f.xml", Route(body=rss(items)))


def _open(tmp_path: Path, db: Database, url: str, bob_language: str = "en") -> Curator:
    text = CONFIG.format(url=url, bob_language=bob_language)
    path = tmp_path / "feeds.yaml"
    path.write_text(text, encoding="utf-8")
    curator = Curator(parse_settings(text, path, env={}), db, clock=Clock(NOW))
    # Bob's own scorer keeps only the best item of his queue, so what else is there came in
    # as alice's picks.
    curator.SCORE_KEEP = 1
    return curator


@pytest.fixture
def team(tmp_path: Path, any_db: Database, feed_url: str) -> Curator:
    curator = _open(tmp_path, any_db, feed_url)
    curator.fetch(all=True)
    curator.score()
    # Two hours on, a full pass has seen every item: the next incremental pass re-scores only
    # what changed (its look-back for late commits covers the fetch otherwise).
    clock = curator._clock
    assert isinstance(clock, Clock)
    clock.now = NOW + timedelta(hours=2)
    curator.score()
    return curator


def _ids(app: Curator, profile: str) -> list[int]:
    return [e.item.id for e in app.queue(profile)]


def _all_ids(app: Curator) -> list[int]:
    """Every stored item (alice may approve any of them, queued for her or not)."""
    from curator.store import repo

    with app.db.reading() as session:
        return sorted(i.id for i in repo.list_items(session, state=None))


def test_the_colleague_s_picks_enter_the_follower_s_queue_with_her_comment(team: Curator) -> None:
    before = _ids(team, "bob")
    assert len(before) == 1
    picked = next(i for i in _all_ids(team) if i not in before)
    team.approve("alice", picked, comment="The delays  keep growing,\nsee the second chart")
    team.score(incremental=True)
    queue = team.queue("bob")
    assert [e.item.id for e in queue] == [*before, picked]
    entry = queue[1]
    assert [(p.profile, p.comment, p.weight) for p in entry.picked_by] == [
        ("alice", "The delays  keep growing,\nsee the second chart", 1.5)
    ]
    assert entry.score.why[0].text == (
        "picked by alice: The delays keep growing, see the second chart"
    )
    # The queue count agrees with the list, and the review screens show the same.
    assert team.status()["profiles"]["bob"]["queue"] == 2
    assert [e.id for e in team.review_queue("bob")][1] == picked
    shown, decision = team.review_item("bob", picked, starter=False)
    assert decision is None and shown.picked_by == entry.picked_by
    lines = detail_lines(shown, "Europe/Paris")
    at = lines.index(next(line for line in lines if line.startswith("Picked by:")))
    assert lines[at].split() == ["Picked", "by:", "alice"]
    assert lines[at + 1].strip() == "The delays  keep growing, see the second chart"
    # A full pass keeps the pick too, and alice's own queue does not change.
    team.score()
    assert _ids(team, "bob") == [*before, picked]
    assert picked not in _ids(team, "alice")


def test_the_queue_read_a_page_at_a_time_holds_the_picks_in_the_same_order(
    team: Curator,
) -> None:
    """The web queue reads a page at a time (ranked rows, then the unranked tail): the picks
    bob did not rank come in that tail, in the order of the whole queue."""
    before = _ids(team, "bob")
    others = [i for i in _all_ids(team) if i not in before]
    for item_id in others[:3]:
        team.approve("alice", item_id, comment=f"worth a read ({item_id})")
    team.score(incremental=True)
    whole = _ids(team, "bob")
    assert len(whole) == len(before) + 3
    paged: list[int] = []
    after: int | None = None
    while True:
        page = [e.item.id for e in team.queue("bob", limit=2, after=after)]
        if not page:
            break
        paged += page
        after = page[-1]
    assert paged == whole
    assert [e.item.id for e in team.queue("bob", limit=2)] == whole[:2]


def test_an_item_reached_by_its_feed_and_a_pick_is_one_entry_with_both_reasons(
    team: Curator,
) -> None:
    (own,) = _ids(team, "bob")
    team.approve("alice", own, comment="Read this")
    team.score()
    queue = team.queue("bob")
    assert [e.item.id for e in queue] == [own]
    why = [t.text for t in queue[0].score.why]
    assert why[0] == "picked by alice: Read this" and len(why) > 1  # and the matched terms


def test_one_story_is_one_entry_whichever_version_the_colleague_picked(team: Curator) -> None:
    from curator.store.models import ItemRow

    (own,) = _ids(team, "bob")
    version = next(i for i in _all_ids(team) if i != own)
    with team.db.session() as session:  # another version of the same story (issue 18)
        row = session.get(ItemRow, version)
        assert row is not None
        row.cluster_id = own
    team.score()
    team.approve("alice", version, comment="Her version of it")
    team.score()
    (entry,) = team.queue("bob")
    assert entry.item.id in (own, version)
    assert [(p.item_id, p.comment) for p in entry.picked_by] == [(version, "Her version of it")]
    assert entry.score.why[0].text == "picked by alice: Her version of it"
    assert team.status()["profiles"]["bob"]["queue"] == 1
    # Decided through one version, the story leaves the queue with the picked one.
    team.approve("bob", entry.item.id, comment="Relayed with my own angle")
    assert _ids(team, "bob") == []
    assert team.status()["profiles"]["bob"]["queue"] == 0


def test_a_pick_taken_back_leaves_the_queue_unless_the_follower_decided(team: Curator) -> None:
    (own,) = _ids(team, "bob")
    first, second = [i for i in _all_ids(team) if i != own][:2]
    team.approve("alice", first, comment="First pick")
    team.approve("alice", second, comment="Second pick")
    team.score()
    assert sorted(_ids(team, "bob")) == sorted([own, first, second])
    team.approve("bob", second, comment="Worth relaying too")
    team.undo_decision("alice", item_id=second)
    team.undo_decision("alice", item_id=first)
    # At once, before any scoring pass: the colleague's undo is read from the shared database.
    assert _ids(team, "bob") == [own]
    assert team.review_item("bob", second)[1].kind is DecisionKind.APPROVE  # type: ignore[union-attr]
    team.score(incremental=True)
    assert _ids(team, "bob") == [own]


def test_the_team_does_not_relay_one_story_twice_the_same_day(
    words_only: None, team: Curator
) -> None:
    story = _all_ids(team)[0]
    team.approve("alice", story, comment="Alice's angle on it")
    alice = team.plan("alice").plans[0]
    (mine,) = [s for s in alice.slots if s.item_id == story]
    team.score(incremental=True)
    assert story in _ids(team, "bob")
    outcome = team.approve("bob", story, comment="Bob's take on the same story")
    bob = team.plan("bob").plans[0]
    (his,) = [s for s in bob.slots if s.item_id == story]
    paris = mine.starts_at.astimezone(his.starts_at.tzinfo)
    assert mine.starts_at.date() == NOW.date()  # alice relays it this Monday afternoon
    assert his.starts_at.date() != paris.date()
    assert outcome.slot is not None and outcome.slot.id == his.id
    assert bob.team[story] == (
        f"item #{story}: alice relays this story on Monday 30 Nov 14:00; not the same day here"
    )
    assert bob.team[story] in bob.notes


def test_the_follower_reads_the_reason_in_its_language(
    tmp_path: Path, any_db: Database, feed_url: str
) -> None:
    app = _open(tmp_path, any_db, feed_url, bob_language="fr")
    app.fetch(all=True)
    app.score()
    (own,) = _ids(app, "bob")
    app.approve("alice", own, comment="Read this")
    entry = app.queue("bob")[0]
    assert entry.score.why[0].text == "choisi par alice\u00a0: Read this"
    shown, _ = app.review_item("bob", own, starter=False)
    assert any(line.startswith("Choisi par") for line in detail_lines(shown, language="fr"))


def test_the_follower_s_digest_shows_the_pick_with_her_comment(team: Curator) -> None:
    picked = next(i for i in _all_ids(team) if i not in _ids(team, "bob"))
    title = next(t for n, (t, _) in enumerate(STORIES) if _all_ids(team)[n] == picked)
    team.approve("alice", picked, comment="Numbers worth sharing with the team")
    team.score()
    text = team.digest("bob", mode="dry-run").outcomes[0].text or ""
    assert title in text
    assert "picked by alice: Numbers worth sharing with the team" in " ".join(text.split())


FOLLOW_YAML = """\
# the team's watch
profiles:
  - name: alice  # the data desk
    objective: Data hiring.
  - name: bob
    objective: Developer hiring.
    language: en  # kept
feeds:
  - url: http://127.0.0.1:9/f.xml
"""


def test_follow_commands_edit_feeds_yaml_in_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from curator.cli import main
    from curator.config import load_settings

    config = tmp_path / "feeds.yaml"
    config.write_text(FOLLOW_YAML, encoding="utf-8")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--config", str(config), "--db", f"sqlite:///{tmp_path / 'c.db'}", *args])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, err = run("follow", "add", "alice", "--profile", "bob", "--weight", "1.2")
    assert code == 0 and out == "bob now follows the picks of alice.\n", err
    text = config.read_text(encoding="utf-8")
    assert "# the team's watch" in text and "# the data desk" in text and "# kept" in text
    assert "follow: [{profile: alice, weight: 1.2}]" in text
    assert load_settings(config).profile("bob").follow == (Follow("alice", 1.2),)
    assert run("follow", "add", "alice", "--profile", "bob", "--weight", "1.2")[1] == (
        "bob already follows the picks of alice.\n"
    )
    code, out, _ = run("follow", "list")
    assert code == 0 and out == "alice: follows nobody\nbob: alice (1.2)\n"
    assert json.loads(run("follow", "list", "--json")[1]) == {
        "alice": [], "bob": [{"profile": "alice", "weight": 1.2}]
    }  # fmt: skip
    # Mistakes: one line, exit 1, the file untouched.
    before = config.read_text(encoding="utf-8")
    for args, expected in [
        (("bob", "--profile", "bob"), "profile 'bob' cannot follow itself"),
        (("carol", "--profile", "bob"), "carol"),
        (("alice", "--profile", "bob", "--weight", "11"), "between 0 and 10"),
    ]:
        code, out, err = run("follow", "add", *args)
        assert code == 1 and expected in err and len(err.strip().splitlines()) == 1, err
        assert "Traceback" not in err
    assert config.read_text(encoding="utf-8") == before

    code, out, _ = run("follow", "remove", "alice", "--profile", "bob")
    assert code == 0 and out == "bob no longer follows the picks of alice.\n"
    assert "follow" not in config.read_text(encoding="utf-8")
    assert run("follow", "remove", "alice", "--profile", "bob")[1] == (
        "bob does not follow the picks of alice.\n"
    )


def test_the_web_reading_pane_shows_the_colleague_s_comment(team: Curator) -> None:
    from starlette.testclient import TestClient

    from curator.web.app import create_app

    picked = next(i for i in _all_ids(team) if i not in _ids(team, "bob"))
    team.approve("alice", picked, comment="Worth it <b>really</b>\nSecond line")
    team.score()
    client = TestClient(create_app(team), base_url="http://127.0.0.1:8421")
    pane = client.get(f"/p/bob/queue/{picked}", headers={"HX-Request": "true"})
    assert pane.status_code == 200
    quote = pane.text[pane.text.index('<blockquote class="picked">') :]
    quote = quote[: quote.index("</blockquote>")]
    assert "Picked by alice" in quote
    assert "<p>Worth it &lt;b&gt;really&lt;/b&gt;</p><p>Second line</p>" in quote
    # the pick is a note, on its own line after the objective's words
    notes = pane.text[pane.text.index('<ul class="why notes">') :]
    assert notes.startswith(
        '<ul class="why notes"><li>picked by alice: Worth it &lt;b&gt;really&lt;/b&gt; Second line'
    )
    if 'class="why">' in pane.text:
        assert pane.text.index('class="why">') < pane.text.index('<ul class="why notes">')
    page = client.get("/p/bob/queue").text
    assert f'id="entry-{picked}"' in page, "the pick is one of the queue's rows"


def test_queue_list_json_names_who_picked_each_item(
    team: Curator, capsys: pytest.CaptureFixture[str]
) -> None:
    from curator.cli import main

    (own,) = _ids(team, "bob")
    team.approve("alice", own, comment="Read this")
    args = ["--config", str(team.settings.path), "--db", team.db.url]
    assert main([*args, "queue", "list", "--profile", "bob", "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["id"] == own and row["why"][0] == "picked by alice: Read this"
    assert [(p["profile"], p["comment"]) for p in row["picked_by"]] == [("alice", "Read this")]
    assert datetime.fromisoformat(row["picked_by"][0]["picked_at"]) == NOW + timedelta(hours=2)


def test_another_version_of_a_story_the_colleague_relays_moves_too(team: Curator) -> None:
    from curator.store.models import ItemRow

    story, version = _all_ids(team)[:2]
    team.approve("alice", story, comment="Alice's angle on it")
    team.decide("bob", version, DecisionKind.APPROVE, comment="Bob's take on another version")
    team.score()  # decided items keep their scores: the plans take them
    with team.db.session() as session:  # `version` is another version of `story` (issue 18)
        row = session.get(ItemRow, version)
        assert row is not None
        row.cluster_id = story
    (mine,) = [s for s in team.plan("alice").plans[0].slots if s.item_id == story]
    bob = team.plan("bob").plans[0]
    (his,) = [s for s in bob.slots if s.item_id == version]
    assert his.starts_at.date() != mine.starts_at.date()
    assert bob.team[version].startswith(f"item #{version}: alice relays this story on Monday")
