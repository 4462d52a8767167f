"""The review queue's logic, driven key by key with plain values (no database, no terminal)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import pytest

from curator.errors import InvalidAction
from curator.review import (
    DEFAULT_SNOOZE,
    Applied,
    Approve,
    Edited,
    EditExternally,
    EditorClosed,
    Effect,
    Entry,
    Failed,
    Key,
    Mode,
    OpenUrl,
    Quit,
    Reject,
    ReviewState,
    Snooze,
    Submit,
    Undo,
    comment_count,
    comment_note,
    excerpt,
    external_template,
    fold,
    footer,
    header,
    highlight_spans,
    list_date,
    parse_request,
    parse_until,
    reload,
    start,
    step,
    strip_template,
    week_fill,
    with_starter,
)
from curator.types import DecisionKind

NOW = datetime(2026, 3, 27, 10, 0, tzinfo=UTC)  # a Friday, two days before Europe's DST change


def entry(i: int, title: str | None = None, **kw: object) -> Entry:
    values: dict[str, object] = {
        "id": i,
        "title": title or f"Item {i}",
        "feed": f"Feed {i % 3}",
        "url": f"https://example.org/{i}",
        "score": 1.0 / i,
        "starter": f"> key sentence of item {i}",
    }
    values.update(kw)
    return Entry(**values)  # type: ignore[arg-type]


def queue(n: int = 5) -> ReviewState:
    return start([entry(i) for i in range(1, n + 1)], NOW, "Europe/Paris")


def press(state: ReviewState, *keys: Key) -> tuple[ReviewState, list[Effect]]:
    effects: list[Effect] = []
    for key in keys:
        state, out = step(state, key)
        effects.extend(out)
    return state, effects


def typed(text: str) -> Iterable[str]:
    return ["space" if ch == " " else ch for ch in text]


def ids(state: ReviewState) -> list[int]:
    return [e.id for e in state.visible()]


# -- moving ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "cursor"),
    [
        (["j"], 1),
        (["down", "down"], 2),
        (["j", "k"], 0),
        (["k"], 0),  # clamped at the top
        (["j"] * 9, 4),  # clamped at the bottom
        (["G"], 4),
        (["G", "g"], 0),
        (["pagedown"], 4),
        (["end", "up"], 3),
    ],
)
def test_moves_are_clamped(keys: list[str], cursor: int) -> None:
    state, effects = press(queue(), *keys)
    assert state.cursor == cursor
    assert effects == []


def test_enter_opens_and_closes_the_detail_and_j_moves_within_it() -> None:
    state, _ = press(queue(), "enter")
    assert state.mode is Mode.DETAIL
    state, _ = press(state, "j")
    assert state.mode is Mode.DETAIL and state.current() == entry(2)
    state, _ = press(state, "escape")
    assert state.mode is Mode.LIST and not state.done  # escape leaves the detail
    state, effects = press(state, "enter", "q")
    assert state.done and effects == [Quit()]  # q always leaves the program (issue 16)


@pytest.mark.parametrize("before", [[], ["enter"], ["?"], ["enter", "?"]])
def test_q_always_leaves(before: list[str]) -> None:
    state, effects = press(queue(), *before, "q")
    assert state.done and effects == [Quit()]
    # ... except while typing in a text box, where it is a letter
    state, effects = press(queue(), *[k for k in before if k != "?"], "a", "q")
    assert state.mode is Mode.COMMENT and state.draft == "q" and effects == []


def test_x_rejects_at_once_and_r_asks_for_a_reason() -> None:
    state, effects = press(queue(), "x")
    assert effects == [Reject(entry(1), None)] and state.mode is Mode.LIST
    assert [e.id for e in state.entries] == [2, 3, 4, 5]
    state, effects = press(state, "r")
    assert state.mode is Mode.REASON and effects == []
    state, effects = press(state, *typed("déjà vu"), "enter")
    assert effects == [Reject(entry(2), "déjà vu")]


def test_header_names_the_profile_and_the_view() -> None:
    state = queue()
    assert header(state, "claire") == "curator review — claire — review queue, best first"
    state, _ = press(state, "enter")
    assert header(state, "claire") == "curator review — claire — item #1"
    state, _ = press(state, "escape", "/", *typed("item"), "enter")
    assert header(state, "claire").endswith("review queue, best first · filter: item")
    state, _ = press(state, "r")
    assert header(state, "claire").endswith("rejecting #1 · filter: item")


def test_the_comment_editor_counts_the_user_s_characters() -> None:
    state, _ = press(queue(), "a")
    assert comment_count(state, 40) == "✎ 0/40 characters"  # the starter is not the user's words
    state, _ = press(state, *typed("Mon avis"))
    assert comment_count(state, 40) == "✎ 8/40 characters"
    state, _ = press(state, Edited("x" * 40))
    assert comment_count(state, 40) == "✔ 40/40 characters"


def test_the_list_date_is_the_profile_s_local_day() -> None:
    late = entry(1, published=datetime(2026, 3, 27, 23, 30, tzinfo=UTC))  # Saturday in Paris
    assert list_date(late, "Europe/Paris", "fr") == "28 mars"
    assert list_date(late, "America/New_York", "en") == "27 Mar"
    assert list_date(entry(2), "UTC", "en") == ""


def test_help_shows_and_any_key_returns_where_it_was() -> None:
    state, _ = press(queue(), "enter", "?")
    assert state.mode is Mode.HELP
    state, effects = press(state, "a")  # swallowed: it only closes the help
    assert state.mode is Mode.DETAIL and effects == []


# -- approving ---------------------------------------------------------------------------------


def test_approve_with_a_typed_comment_replaces_the_starter() -> None:
    state, _ = press(queue(), "j", "a")
    assert state.mode is Mode.COMMENT
    assert state.draft == "> key sentence of item 2" and state.guide
    state, effects = press(state, *typed("Très juste"), "enter")
    assert effects == [Approve(entry(2), "Très juste")]
    assert ids(state) == [1, 3, 4, 5]
    assert state.current() == entry(3)  # the cursor stays in place: the next item
    assert state.mode is Mode.LIST
    assert state.decided == {DecisionKind.APPROVE: 1}


def test_backspace_on_the_guide_clears_it_and_editing_keeps_going() -> None:
    state, _ = press(queue(), "a", "backspace")
    assert state.draft == "" and not state.guide
    state, _ = press(state, "O", "u", "i", "x", "backspace", "ctrl+j", "!")
    assert state.draft == "Oui\n!"


def test_saving_the_untouched_starter_approves_without_comment() -> None:
    _, effects = press(queue(), "a", "enter")
    assert effects == [Approve(entry(1), None)]
    # same through a widget that submits its text
    _, effects = press(queue(), "a", Submit("> key sentence of item 1\n"))
    assert effects == [Approve(entry(1), None)]


def test_widget_submit_keeps_the_users_line_breaks() -> None:
    _, effects = press(queue(), "a", Submit("  Premier point.  \n\nSecond point.\n\n"))
    assert effects == [Approve(entry(1), "Premier point.\n\nSecond point.")]


def test_escape_cancels_the_comment() -> None:
    state, effects = press(queue(), "enter", "a", "x", "escape")
    assert effects == [] and state.mode is Mode.DETAIL and len(state.entries) == 5
    assert state.message == "cancelled"


def test_approve_in_the_external_editor() -> None:
    state, effects = press(queue(), "e")
    assert state.mode is Mode.EXTERNAL
    [edit] = effects
    assert isinstance(edit, EditExternally)
    assert edit.text.startswith("\n\n#")  # the comment goes on the first line, empty
    assert "#   > key sentence of item 1" not in edit.text
    assert "# > key sentence of item 1" in edit.text
    state, ignored = press(state, "j", "q")  # keys are ignored while the editor runs
    assert ignored == [] and state.cursor == 0
    state, effects = press(state, EditorClosed(edit.text.replace("\n#", "Mon avis.\n#", 1)))
    assert effects == [Approve(entry(1), "Mon avis.")]


def test_an_empty_external_comment_cancels_like_git() -> None:
    state, effects = press(queue(), "e")
    state, effects = press(state, EditorClosed(effects[0].text))  # type: ignore[union-attr]
    assert effects == [] and len(state.entries) == 5 and "cancelled" in state.message


def test_an_editor_that_cannot_run_is_reported() -> None:
    state, _ = press(queue(), "e", EditorClosed(None, "vi: not found"))
    assert state.mode is Mode.LIST and "vi: not found" in state.message


def test_ctrl_e_moves_the_inline_draft_to_the_external_editor() -> None:
    state, effects = press(queue(), "a", *typed("Début"), "ctrl+e")
    [edit] = effects
    assert isinstance(edit, EditExternally) and edit.text.startswith("Début\n")
    assert state.mode is Mode.EXTERNAL


def test_template_round_trip() -> None:
    e = entry(1, starter="> a\n\nVotre objectif : data")
    text = external_template(e, e.starter)
    assert strip_template(text) is None
    assert strip_template("Bien vu\n" + text) == "Bien vu"


# -- rejecting, snoozing, opening ---------------------------------------------------------------


def test_reject_with_and_without_reason() -> None:
    state, effects = press(queue(), "r", *typed("hors  sujet "), "enter")
    assert effects == [Reject(entry(1), "hors sujet")]
    state, effects = press(state, "r", "enter")
    assert effects == [Reject(entry(2), None)]
    assert state.decided == {DecisionKind.REJECT: 2}


def test_snooze_default_and_typed_date() -> None:
    state, effects = press(queue(), "s")
    assert state.draft == DEFAULT_SNOOZE
    state, effects = press(state, "enter")
    # +3d = local midnight three days on, in Paris (after the spring change: UTC+2)
    assert effects == [Snooze(entry(1), datetime(2026, 3, 29, 22, 0, tzinfo=UTC))]
    state, effects = press(state, "s", *typed("2026-04-10"), "enter")
    assert effects == [Snooze(entry(2), datetime(2026, 4, 9, 22, 0, tzinfo=UTC))]


def test_a_bad_snooze_date_keeps_the_prompt_open() -> None:
    state, effects = press(queue(), "s", *typed("2025-01-01"), "enter")
    assert effects == [] and state.mode is Mode.SNOOZE
    assert "past" in state.message and state.draft == "2025-01-01"
    state, effects = press(state, *["backspace"] * 10, *typed("lundi"), "enter")
    assert effects == [Snooze(entry(1), datetime(2026, 3, 29, 22, 0, tzinfo=UTC))]
    assert state.mode is Mode.LIST


def test_open_link() -> None:
    _, effects = press(queue(), "o")
    assert effects == [OpenUrl("https://example.org/1")]
    state, effects = press(start([entry(1, url=None)], NOW), "o")
    assert effects == [] and "no link" in state.message


def test_an_empty_queue_says_what_to_run() -> None:
    assert "curator run" in start([], NOW).message
    assert start([entry(1)], NOW).message == ""


def test_decision_keys_on_an_empty_queue_say_so() -> None:
    state, effects = press(start([], NOW), "j", "enter", "a", "r", "s", "o")
    assert effects == [] and state.mode is Mode.LIST
    assert state.message == "the queue is empty"


# -- undo and failures ---------------------------------------------------------------------------


def test_undo_puts_the_item_back_in_place_and_emits_undo() -> None:
    state, _ = press(queue(), "j", "a", "x", "enter", "r", "enter")
    assert ids(state) == [1, 4, 5]
    state, effects = press(state, "u")
    assert effects == [Undo(entry(3))]
    assert ids(state) == [1, 3, 4, 5] and state.current() == entry(3)
    state, effects = press(state, "u")
    assert effects == [Undo(entry(2))]
    assert ids(state) == [1, 2, 3, 4, 5] and state.current() == entry(2)
    assert state.decided == {DecisionKind.APPROVE: 0, DecisionKind.REJECT: 0}
    state, effects = press(state, "u")
    assert effects == [] and "nothing to undo" in state.message


def test_a_refused_decision_brings_the_item_back() -> None:
    state, _ = press(queue(), "r", "enter", "r", "enter")
    state, _ = press(state, Failed(1, "item 1 is already rejected"))
    assert ids(state) == [1, 3, 4, 5] and state.message == "item 1 is already rejected"
    assert [d.entry.id for d in state.undo] == [2]  # undo now reaches the decision that stood


def test_applied_shows_the_facades_message() -> None:
    state, _ = press(queue(), "a", "enter", Applied("planned for Tue 31 Mar 08:30"))
    assert state.message == "planned for Tue 31 Mar 08:30"


# -- filtering ---------------------------------------------------------------------------------


def test_filter_as_you_type_is_accent_insensitive() -> None:
    items = [
        entry(1, "Recrutement des data engineers"),
        entry(2, "Kubernetes at scale"),
        entry(3, "Entretien d'embauche : les écueils"),
    ]
    state, _ = press(start(items, NOW), "j", "/", *typed("ECUEIL"))
    assert ids(state) == [3] and state.cursor == 0 and state.mode is Mode.FILTER
    state, _ = press(state, "enter")
    assert state.mode is Mode.LIST and state.filter == "ECUEIL"
    _, effects = press(state, "r", "enter")
    assert effects == [Reject(items[2], None)]  # acts on the filtered item
    state, _ = press(state, "escape")
    assert ids(state) == [1, 2, 3]


def test_filter_from_a_widget_and_escape_clears() -> None:
    items = [entry(1, "Data"), entry(2, "Cloud"), entry(3, "data mesh")]
    state, _ = press(start(items, NOW), "/", Edited("data"))
    assert ids(state) == [1, 3]
    state, _ = press(state, "escape")
    assert ids(state) == [1, 2, 3] and state.mode is Mode.LIST


def test_no_match_explains_itself() -> None:
    state, _ = press(queue(), "/", *typed("zzz"), "enter", "a")
    assert state.mode is Mode.LIST and "filter" in state.message


def test_footer_counts() -> None:
    state, _ = press(queue(), "a", "enter", "r", "enter", "/", "3", "enter")
    text = footer(state, "next 7 days: 2/3 slots filled")
    assert (
        text == "1 of 3 shown (filter: 3) · 1 approved, 1 rejected · next 7 days: 2/3 slots filled"
        " · ? keys"
    )


# -- text helpers ------------------------------------------------------------------------------


def test_highlight_spans_fold_accents_and_respect_words() -> None:
    text = "Le recrutement des Développeurs: développeurs data, pas datacenter."
    spans = highlight_spans(text, ["développeurs", "data"])
    assert [text[a:b] for a, b in spans] == ["Développeurs", "développeurs", "data"]


def test_fold_keeps_length() -> None:
    for text in ["Écueils", "İstanbul", "straße", "œuvre"]:
        assert len(fold(text)) == len(text)


def test_excerpt_cuts_on_a_word() -> None:
    assert excerpt("a  b\nc") == "a b c"
    assert excerpt("alpha beta gamma", 12) == "alpha beta …"


def test_excerpt_leaves_out_a_first_line_repeating_the_title() -> None:
    text = "Seniors : le vivier oublié\nNous avons recueilli des témoignages."
    assert (
        excerpt(text, title="Seniors :  le vivier oublié")
        == "Nous avons recueilli des témoignages."
    )
    assert excerpt(text, title="Autre titre").startswith("Seniors : le vivier oublié Nous")


# -- snooze dates ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+3d", datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),
        ("1d", datetime(2026, 3, 27, 23, 0, tzinfo=UTC)),  # Saturday midnight, still UTC+1
        ("tomorrow", datetime(2026, 3, 27, 23, 0, tzinfo=UTC)),
        ("Demain", datetime(2026, 3, 27, 23, 0, tzinfo=UTC)),
        ("2w", datetime(2026, 4, 9, 22, 0, tzinfo=UTC)),
        ("+12h", NOW + timedelta(hours=12)),
        ("friday", datetime(2026, 4, 2, 22, 0, tzinfo=UTC)),  # next Friday, not today
        ("vendredi", datetime(2026, 4, 2, 22, 0, tzinfo=UTC)),
        ("2026-04-01", datetime(2026, 3, 31, 22, 0, tzinfo=UTC)),
        ("2026-04-01 09:30", datetime(2026, 4, 1, 7, 30, tzinfo=UTC)),
        ("2026-04-01T09:30+00:00", datetime(2026, 4, 1, 9, 30, tzinfo=UTC)),
    ],
)
def test_parse_until(text: str, expected: datetime) -> None:
    assert parse_until(text, NOW, "Europe/Paris") == expected


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # Dates as people write them, French or English (issue 16), read against NOW (Friday
        # 27 March 2026, 11:00 in Paris), never the real clock; a day starts at local midnight.
        ("24/12", "fr", datetime(2026, 12, 23, 23, 0, tzinfo=UTC)),  # day first
        ("24 déc.", "fr", datetime(2026, 12, 23, 23, 0, tzinfo=UTC)),
        ("24 December", "en", datetime(2026, 12, 23, 23, 0, tzinfo=UTC)),
        ("12/24", "en", datetime(2026, 12, 23, 23, 0, tzinfo=UTC)),  # month first in English
        ("dans 3 jours", "fr", datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),  # after the DST change
        ("in 2 weeks", "en", datetime(2026, 4, 9, 22, 0, tzinfo=UTC)),
        ("lundi prochain", "fr", datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),
        ("next monday", "en", datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),
        ("next friday", "fr", datetime(2026, 4, 2, 22, 0, tzinfo=UTC)),  # never today
        ("3 avril 14:30", "fr", datetime(2026, 4, 3, 12, 30, tzinfo=UTC)),
        ("26/03", "fr", datetime(2027, 3, 25, 23, 0, tzinfo=UTC)),  # yesterday: next year's
    ],
)
def test_parse_until_reads_dates_in_both_languages(
    text: str, language: str, expected: datetime
) -> None:
    assert parse_until(text, NOW, "Europe/Paris", language) == expected


def test_parse_until_counts_from_the_given_clock() -> None:
    later = datetime(2031, 7, 14, 10, 0, tzinfo=UTC)  # a Monday
    assert parse_until("dans 3 jours", later, "Europe/Paris", "fr") == datetime(
        2031, 7, 16, 22, 0, tzinfo=UTC
    )
    assert parse_until("24/12", later, "UTC", "fr") == datetime(2031, 12, 24, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02", "date illisible '31/02'"),
        ("quand tu veux", "date illisible"),
        ("0d", "est passée"),
    ],
)
def test_parse_until_refuses_in_the_reader_s_language(text: str, message: str) -> None:
    with pytest.raises(InvalidAction, match=message) as refused:
        parse_until(text, NOW, "Europe/Paris", "fr")
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-03-27", "past"),  # today's midnight has gone
        ("0d", "past"),
        ("someday", "cannot read"),
        ("2026-13-01", "cannot read"),
    ],
)
def test_parse_until_refuses(text: str, message: str) -> None:
    with pytest.raises(InvalidAction, match=message):
        parse_until(text, NOW, "Europe/Paris")


# -- decisions files ---------------------------------------------------------------------------


def test_parse_request_lines() -> None:
    approve = parse_request('{"id": 12, "action": "approve", "comment": " Oui \\n"}', 1, NOW)
    assert approve is not None and (approve.item_id, approve.kind, approve.comment) == (
        12,
        DecisionKind.APPROVE,
        "Oui",
    )
    reject = parse_request('{"id": "7", "action": "reject", "reason": "bof"}', 2, NOW)
    assert reject is not None and (reject.item_id, reject.reason) == (7, "bof")
    snooze = parse_request('{"id": 3, "action": "snooze", "until": "2026-04-01"}', 3, NOW)
    assert snooze is not None and snooze.until == datetime(2026, 4, 1, tzinfo=UTC)
    assert parse_request("   ", 4, NOW) is None
    assert parse_request("# a note", 5, NOW) is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": 1, "action": "approve"', "not valid JSON"),
        ("[1, 2]", "expected an object"),
        ('{"id": 0, "action": "approve"}', "positive item id"),
        ('{"id": true, "action": "approve"}', "positive item id"),
        ('{"action": "approve"}', "positive item id"),
        ('{"id": 1, "action": "publish"}', "must be one of"),
        ('{"id": 1, "action": "approve", "comment": 3}', "must be a string"),
        ('{"id": 1, "action": "reject", "comment": "x"}', "goes with"),
        ('{"id": 1, "action": "snooze"}', "needs"),
        ('{"id": 1, "action": "snooze", "until": "2020-01-01"}', "past"),
        ('{"id": 1, "action": "approve", "until": "+1d"}', "goes with"),
        ('{"id": 1, "action": "approve", "coment": "x"}', "unknown key"),
    ],
)
def test_parse_request_names_the_line(line: str, message: str) -> None:
    with pytest.raises(InvalidAction, match=f"^line 7: .*{message}"):
        parse_request(line, 7, NOW)


# -- what the facade reports -------------------------------------------------------------------


def test_week_fill_counts_filled_and_ready_and_ignores_skipped() -> None:
    rows = [("relay", "ready"), ("relay", "planned"), ("relay", "empty"), ("original", "skipped")]
    assert week_fill(rows) == "next 7 days: 2/3 slots filled, 1 ready"
    assert week_fill([("relay", "skipped")]) is None
    assert week_fill([]) is None


@pytest.mark.parametrize(
    ("comment", "note"),
    [(None, "no comment yet"), ("court", "shorter than 40"), ("x" * 40, None)],
)
def test_comment_note(comment: str | None, note: str | None) -> None:
    result = comment_note(comment, 40)
    assert (result is None) if note is None else (result is not None and note in result)


def test_with_starter_fills_the_entry_everywhere_it_is_kept() -> None:
    lazy = [entry(1, starter=None, starter_loaded=False), entry(2, starter=None)]
    state, _ = press(start(lazy, NOW), "r", "enter", "u")
    state = with_starter(state, 1, "> guide")
    assert state.entries[0].starter == "> guide" and state.entries[0].starter_loaded
    state, _ = press(state, "a")
    assert state.draft == "> guide" and state.guide


def test_reload_takes_the_databases_queue_and_forgets_the_undo_stack() -> None:
    state, _ = press(queue(), "G", "r", "enter")
    state = reload(state, [entry(7), entry(8)], "nothing undone")
    assert ids(state) == [7, 8] and state.cursor == 1 and state.undo == ()
    assert state.message == "nothing undone"
