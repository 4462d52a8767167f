"""The review queue's logic (issue 6) as pure functions: `step(state, key) -> (state, effects)`.

The terminal UI (`curator.cli.review_app`) only draws a `ReviewState` and executes the `Effect`
values this module returns, through the facade; the scriptable `curator queue ...` commands share
the parsers below (snooze dates, decision files). Nothing here touches a database, a terminal or
the clock: `now` travels in the state, so the tests drive every path with plain values.

Keys are Textual's key names: a printable character as itself, and "enter", "escape", "up",
"down", "backspace", "ctrl+e", ... Widgets that edit text (the comment editor) post `Submit` with
their text instead of keys, and the external editor's result comes back as `EditorClosed`.

Rules worth knowing:
* A decision takes the item out of the list at once (the facade saves it right away); `u` puts
  the last one back in its place and asks the facade to delete it. If the facade refuses a
  decision (`Failed`), the item comes back with the reason shown.
* Approving opens the comment editor prefilled with the comment starter as a *guide*: the first
  keystroke replaces it, and saving it untouched approves with no comment (a starter is a prompt
  for the user's own words, never something to post as is). An empty comment is allowed: the item
  is planned, and its slot stays "planned" until a comment of `min_comment_chars` is written.
* With `e` the comment is written in $EDITOR; lines starting with `#` are dropped and an empty
  result cancels the approval, as `git commit` does.
"""

from __future__ import annotations

import enum
import functools
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from curator import i18n
from curator.errors import InvalidAction
from curator.i18n import N_
from curator.types import (
    WEEKDAY_ALIASES,
    Decision,
    DecisionKind,
    FollowedPick,
    Item,
    ItemState,
    Score,
    Slot,
    SlotStatus,
    Term,
    is_pending,
)

DEFAULT_SNOOZE = "+3d"
EXCERPT_CHARS = 600


class Mode(enum.StrEnum):
    LIST = "list"
    DETAIL = "detail"
    COMMENT = "comment"  # the inline comment editor (approve)
    EXTERNAL = "external"  # waiting for $EDITOR to return (approve)
    REASON = "reason"  # the optional reject reason
    SNOOZE = "snooze"  # the date to snooze until
    FILTER = "filter"
    HELP = "help"


PROMPT_MODES = (Mode.COMMENT, Mode.REASON, Mode.SNOOZE, Mode.FILTER)


@dataclass(frozen=True, slots=True)
class Entry:
    """One pending item as the review shows it (plain values, no ORM row)."""

    id: int
    title: str
    feed: str
    url: str | None = None
    published: datetime | None = None
    language: str | None = None
    score: float = 0.0
    why: tuple[Term, ...] = ()  # the terms behind the score, most telling first
    excerpt: str = ""  # the summary or the extracted text, shortened
    duplicates: int = 0  # near-duplicates folded into this item
    starter: str | None = None  # the comment starter: a guide for the user's own comment
    rank: int | None = None
    starter_loaded: bool = True  # False: the screen fetches the starter when it is needed
    picked_by: tuple[FollowedPick, ...] = ()  # followed colleagues who picked it (issue 17)

    def matches(self, needle: str) -> bool:
        """Case- and accent-insensitive search over what the list shows."""
        folded = fold(needle)
        haystack = " ".join([self.title, self.feed, self.excerpt, *(t.text for t in self.why)])
        return all(word in fold(haystack) for word in folded.split())


# -- keys and events ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Submit:
    """A text widget was validated (enter) with this text."""

    text: str


@dataclass(frozen=True, slots=True)
class Edited:
    """A text widget's content changed (the filter updates the list as the user types)."""

    text: str


@dataclass(frozen=True, slots=True)
class EditorClosed:
    """$EDITOR returned: the file's text, or None when the editor could not run."""

    text: str | None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Applied:
    """The facade saved an effect; `message` says what happened (e.g. the slot an item takes)."""

    message: str


@dataclass(frozen=True, slots=True)
class Failed:
    """The facade refused an effect; the item (if any) comes back to the list."""

    item_id: int | None
    message: str


Key = str | Submit | Edited | EditorClosed | Applied | Failed


# -- effects -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Approve:
    item: Entry
    comment: str | None


@dataclass(frozen=True, slots=True)
class Reject:
    item: Entry
    reason: str | None


@dataclass(frozen=True, slots=True)
class Snooze:
    item: Entry
    until: datetime


@dataclass(frozen=True, slots=True)
class Undo:
    item: Entry  # the item whose decision is taken back


@dataclass(frozen=True, slots=True)
class OpenUrl:
    url: str


@dataclass(frozen=True, slots=True)
class EditExternally:
    text: str  # the file $EDITOR opens


@dataclass(frozen=True, slots=True)
class Quit:
    pass


@dataclass(frozen=True, slots=True)
class KeepIdea:
    """ "Keep for my own post" (issue 15): an idea for the backlog; the item stays undecided."""

    item: Entry


Effect = Approve | Reject | Snooze | Undo | OpenUrl | EditExternally | Quit | KeepIdea


# -- state -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Done:
    """A decision made in this session, kept so `u` can put the item back where it was."""

    entry: Entry
    index: int  # its position in `entries` before it left
    kind: DecisionKind


@dataclass(frozen=True, slots=True)
class ReviewState:
    entries: tuple[Entry, ...]  # pending items in rank order; decided ones leave
    now: datetime
    timezone: str = "UTC"
    language: str = "en"  # the profile's: every word of the screen (issue 16)
    cursor: int = 0  # index into `visible()`
    filter: str = ""
    mode: Mode = Mode.LIST
    back: Mode = Mode.LIST  # where a prompt or the help returns to
    draft: str = ""  # the text being typed in a prompt
    guide: bool = False  # the draft is a guide: the first keystroke replaces it
    undo: tuple[Done, ...] = ()
    message: str = ""
    decided: dict[DecisionKind, int] = field(default_factory=dict)  # counts this session
    done: bool = False

    def visible(self) -> tuple[Entry, ...]:
        if not self.filter.strip():
            return self.entries
        return tuple(e for e in self.entries if e.matches(self.filter))

    def current(self) -> Entry | None:
        shown = self.visible()
        return shown[self.cursor] if 0 <= self.cursor < len(shown) else None


def start(
    entries: Sequence[Entry], now: datetime, timezone: str = "UTC", language: str = "en"
) -> ReviewState:
    _ = i18n.language(language).gettext
    message = "" if entries else _("nothing waiting for review: `curator run` fetches and scores")
    return ReviewState(
        entries=tuple(entries), now=now, timezone=timezone, language=language, message=message
    )


def _t(state: ReviewState) -> i18n.Language:
    return i18n.language(state.language)


def reload(state: ReviewState, entries: Sequence[Entry], message: str) -> ReviewState:
    """Start over from the database's queue (after it disagreed with the screen)."""
    return _clamp(replace(state, entries=tuple(entries), undo=(), message=message))


def with_starter(state: ReviewState, item_id: int, starter: str | None) -> ReviewState:
    """The state once an entry's comment starter has been fetched (it is computed lazily)."""

    def load(entry: Entry) -> Entry:
        if entry.id != item_id:
            return entry
        return replace(entry, starter=starter, starter_loaded=True)

    entries = tuple(load(e) for e in state.entries)
    undo = tuple(replace(d, entry=load(d.entry)) for d in state.undo)
    return replace(state, entries=entries, undo=undo)


Result = tuple[ReviewState, tuple[Effect, ...]]


def step(state: ReviewState, key: Key) -> Result:
    """Apply one key or event to the state: the whole review behaviour lives here."""
    if isinstance(key, Applied):
        return replace(state, message=key.message), ()
    if isinstance(key, Failed):
        return _failed(state, key), ()
    if isinstance(key, EditorClosed):
        return _editor_closed(state, key)
    if state.mode is Mode.HELP:
        if key == "q":  # q always leaves (issue 16)
            return replace(state, done=True), (Quit(),)
        return replace(state, mode=state.back, message=""), ()
    if state.mode in PROMPT_MODES:
        return _prompt(state, key)
    if state.mode is Mode.EXTERNAL or not isinstance(key, str):
        return state, ()
    return _command(replace(state, message=""), key)


# -- list and detail ---------------------------------------------------------------------------

MOVES = {
    "j": 1,
    "down": 1,
    "k": -1,
    "up": -1,
    "pagedown": 10,
    "ctrl+d": 10,
    "pageup": -10,
    "ctrl+u": -10,
}


def _command(state: ReviewState, key: str) -> Result:
    if key in MOVES:
        return _move(state, MOVES[key]), ()
    if key in ("g", "home"):
        return replace(state, cursor=0), ()
    if key in ("G", "end"):
        return replace(state, cursor=max(0, len(state.visible()) - 1)), ()
    if key == "?":
        return replace(state, mode=Mode.HELP, back=state.mode), ()
    if key == "/":
        return _open_prompt(state, Mode.FILTER, state.filter), ()
    if key == "u":
        return _undo(state)
    if key == "escape" and state.mode is Mode.DETAIL:
        return replace(state, mode=Mode.LIST), ()
    if key == "q":  # q always leaves, from the list or the detail (issue 16)
        return replace(state, done=True), (Quit(),)
    if key == "escape" and state.filter:
        return _clamp(replace(state, filter="", message=_t(state)._("filter cleared"))), ()
    entry = state.current()
    if key in ("enter", "l", "right") and state.mode is Mode.LIST:
        return (replace(state, mode=Mode.DETAIL) if entry else state), ()
    if key in ("enter", "h", "left") and state.mode is Mode.DETAIL:
        return replace(state, mode=Mode.LIST), ()
    if entry is None:
        if key in ("a", "e", "r", "x", "s", "o", "i"):
            return replace(state, message=_nothing_here(state)), ()
        return state, ()
    if key == "a":
        return _open_prompt(state, Mode.COMMENT, entry.starter or "", guide=True), ()
    if key == "e":
        text = external_template(entry, entry.starter, state.language)
        return replace(state, mode=Mode.EXTERNAL, back=state.mode), (EditExternally(text),)
    if key == "r":
        return _open_prompt(state, Mode.REASON, ""), ()
    if key == "x":  # reject at once, no reason asked (issue 16)
        return _decided(state, entry, DecisionKind.REJECT, Reject(entry, None))
    if key == "s":
        return _open_prompt(state, Mode.SNOOZE, DEFAULT_SNOOZE, guide=True), ()
    if key == "i":
        message = _t(state)._("keeping it for your own post…")
        return replace(state, message=message), (KeepIdea(entry),)
    if key == "o":
        if not entry.url:
            return replace(state, message=_t(state)._("this item has no link")), ()
        message = _t(state)._("opening {url}").format(url=entry.url)
        return replace(state, message=message), (OpenUrl(entry.url),)
    return state, ()


def _nothing_here(state: ReviewState) -> str:
    if state.entries and state.filter:
        return _t(state)._("no item matches the filter (escape clears it)")
    return _t(state)._("the queue is empty")


def _move(state: ReviewState, delta: int) -> ReviewState:
    count = len(state.visible())
    return replace(state, cursor=max(0, min(count - 1, state.cursor + delta)))


def _clamp(state: ReviewState) -> ReviewState:
    count = len(state.visible())
    return replace(state, cursor=max(0, min(state.cursor, count - 1)))


def _open_prompt(state: ReviewState, mode: Mode, draft: str, *, guide: bool = False) -> ReviewState:
    back = state.back if state.mode in PROMPT_MODES else state.mode
    return replace(state, mode=mode, back=back, draft=draft, guide=guide and bool(draft))


# -- prompts: comment, reason, snooze date, filter ---------------------------------------------


def _prompt(state: ReviewState, key: Key) -> Result:
    if isinstance(key, Submit):
        return _submit(replace(state, draft=key.text))
    if isinstance(key, Edited):
        state = replace(state, draft=key.text, guide=state.guide and key.text == state.draft)
        return (_clamp(replace(state, filter=key.text)) if state.mode is Mode.FILTER else state), ()
    if not isinstance(key, str):
        return state, ()
    if key == "escape":
        if state.mode is Mode.FILTER:
            return _clamp(replace(state, mode=state.back, filter="", draft="")), ()
        cancelled = _t(state)._("cancelled")
        return replace(state, mode=state.back, draft="", guide=False, message=cancelled), ()
    if key == "enter":
        return _submit(state)
    if key == "ctrl+e" and state.mode is Mode.COMMENT:
        entry = state.current()
        if entry is None:
            return state, ()
        draft = state.draft if not state.guide else entry.starter
        text = external_template(entry, draft, state.language)
        return replace(state, mode=Mode.EXTERNAL), (EditExternally(text),)
    draft = _edit(state.draft, key, replace_all=state.guide)
    if draft is None:
        return state, ()
    state = replace(state, draft=draft, guide=False)
    if state.mode is Mode.FILTER:
        state = _clamp(replace(state, filter=draft, cursor=0))
    return state, ()


def _edit(draft: str, key: str, *, replace_all: bool) -> str | None:
    """A minimal line editor for prompts driven by keys; None = the key does not edit."""
    base = "" if replace_all else draft
    if key == "backspace":
        return base[:-1]
    if key == "ctrl+u":
        return ""
    if key == "space":
        return base + " "
    if key == "ctrl+j":
        return base + "\n"
    if len(key) == 1 and key.isprintable():
        return base + key
    return None


def _submit(state: ReviewState) -> Result:
    entry = state.current()
    mode, text = state.mode, state.draft
    state = replace(state, mode=state.back, draft="", guide=False)
    if mode is Mode.FILTER:
        return _clamp(replace(state, filter=text.strip())), ()
    if entry is None:
        return replace(state, message=_nothing_here(state)), ()
    if mode is Mode.COMMENT:
        comment = None if _is_starter(text, entry) else clean_comment(text)
        return _decided(state, entry, DecisionKind.APPROVE, Approve(entry, comment))
    if mode is Mode.REASON:
        reason = " ".join(text.split()) or None
        return _decided(state, entry, DecisionKind.REJECT, Reject(entry, reason))
    # SNOOZE
    try:
        until = parse_until(text or DEFAULT_SNOOZE, state.now, state.timezone, state.language)
    except InvalidAction as e:
        # Keep the prompt open with what was typed, so a typo costs one keystroke to fix.
        return replace(state, mode=Mode.SNOOZE, back=state.mode, draft=text, message=str(e)), ()
    return _decided(state, entry, DecisionKind.SNOOZE, Snooze(entry, until))


def _is_starter(text: str, entry: Entry) -> bool:
    """A comment identical to the starter was not written by the user: it is no comment."""
    return bool(entry.starter) and clean_comment(text) == clean_comment(entry.starter or "")


def clean_comment(text: str) -> str | None:
    """Trailing spaces and surrounding blank lines go; the user's line breaks stay."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip() or None


def _decided(state: ReviewState, entry: Entry, kind: DecisionKind, effect: Effect) -> Result:
    index = state.entries.index(entry)
    entries = state.entries[:index] + state.entries[index + 1 :]
    counts = dict(state.decided)
    counts[kind] = counts.get(kind, 0) + 1
    new = replace(
        state,
        entries=entries,
        undo=(*state.undo, Done(entry, index, kind)),
        decided=counts,
        message=f"{_t(state).gettext(PAST[kind])}{_t(state).colon} {entry.title}",
    )
    new = _clamp(new)
    if new.mode is Mode.DETAIL and new.current() is None:
        new = replace(new, mode=Mode.LIST)
    return new, (effect,)


PAST = {  # msgids: show them through `Language.gettext`
    DecisionKind.APPROVE: N_("approved"),
    DecisionKind.REJECT: N_("rejected"),
    DecisionKind.SNOOZE: N_("snoozed"),
    DecisionKind.WITHDRAW: N_("withdrawn"),
}


def _restore(state: ReviewState, done: Done) -> ReviewState:
    """Put a decided item back where it was and point the cursor at it."""
    index = min(done.index, len(state.entries))
    entries = (*state.entries[:index], done.entry, *state.entries[index:])
    counts = dict(state.decided)
    counts[done.kind] = max(0, counts.get(done.kind, 0) - 1)
    state = replace(state, entries=entries, decided=counts)
    shown = state.visible()
    cursor = shown.index(done.entry) if done.entry in shown else state.cursor
    return _clamp(replace(state, cursor=cursor))


def _undo(state: ReviewState) -> Result:
    if not state.undo:
        return replace(state, message=_t(state)._("nothing to undo in this session")), ()
    done = state.undo[-1]
    state = _restore(replace(state, undo=state.undo[:-1]), done)
    message = _t(state)._("undone: {title} is back").format(title=done.entry.title)
    return replace(state, message=message), (Undo(done.entry),)


def _failed(state: ReviewState, event: Failed) -> ReviewState:
    """The facade refused a decision: the item comes back so nothing is silently lost."""
    for position in range(len(state.undo) - 1, -1, -1):
        done = state.undo[position]
        if done.entry.id == event.item_id:
            undo = state.undo[:position] + state.undo[position + 1 :]
            state = _restore(replace(state, undo=undo), done)
            break
    return replace(state, message=event.message)


def _editor_closed(state: ReviewState, event: EditorClosed) -> Result:
    if state.mode is not Mode.EXTERNAL:
        return state, ()
    state = replace(state, mode=state.back)
    entry = state.current()
    if event.text is None:
        message = _t(state)._("the editor did not run: {error}").format(error=event.error)
        return replace(state, message=message), ()
    comment = strip_template(event.text)
    if entry is None:
        return state, ()
    if comment is None:
        return replace(
            state,
            message=_t(state)._(
                "empty comment: approval cancelled (a, enter approves without a comment)"
            ),
        ), ()
    if _is_starter(comment, entry):
        comment = None
    return _decided(state, entry, DecisionKind.APPROVE, Approve(entry, comment))


# -- the external editor's file ----------------------------------------------------------------


def external_template(entry: Entry, text: str | None, language: str = "en") -> str:
    """The file $EDITOR opens: the comment to write, then `#` lines that are dropped."""
    _ = i18n.language(language).gettext
    guide = [f"# {line}" if line else "#" for line in (entry.starter or "").splitlines()]
    lines = [
        "",
        "# " + _("Your comment on: {title}").format(title=entry.title),
        f"# {entry.url or entry.feed}",
        "# " + _("Lines starting with # are ignored; an empty comment cancels the approval."),
    ]
    if guide and text == entry.starter:
        text = ""  # the starter is shown below as a guide, not written for the user
        lines += ["#", "# " + _("Starter (a guide, replace it with your own words):"), *guide]
    return (text or "").rstrip("\n") + "\n" + "\n".join(lines) + "\n"


def strip_template(text: str) -> str | None:
    kept = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return clean_comment("\n".join(kept))


# -- what the screen shows ---------------------------------------------------------------------


def footer(state: ReviewState, plan_fill: str | None = None) -> str:
    """What is left, what was done, and how the week's plan is filling."""
    t = _t(state)
    left = len(state.entries)
    shown = len(state.visible())
    parts = [
        t._("{left} left").format(left=left)
        if shown == left
        else t._("{shown} of {left} shown (filter: {filter})").format(
            shown=shown, left=left, filter=state.filter
        )
    ]
    counts = [f"{n} {t.gettext(PAST[k])}" for k, n in state.decided.items() if n]
    if counts:
        parts.append(", ".join(counts))
    if plan_fill:
        parts.append(t.say(plan_fill))
    parts.append(t._("? keys"))  # a first-time user sees no other hint of the keyboard
    return " · ".join(parts)


def header(state: ReviewState, profile: str) -> str:
    """The screen's title line: whose queue, and which view of it (issue 16)."""
    _ = _t(state).gettext
    entry = state.current()
    number = f"#{entry.id}" if entry is not None else ""
    views = {
        Mode.DETAIL: _("item {number}"),
        Mode.HELP: _("keys"),
        Mode.COMMENT: _("approving {number}"),
        Mode.EXTERNAL: _("approving {number} in $EDITOR"),
        Mode.REASON: _("rejecting {number}"),
        Mode.SNOOZE: _("snoozing {number}"),
    }
    view = views.get(state.mode, _("review queue, best first")).format(number=number).strip()
    if state.filter:
        view += " · " + _("filter: {filter}").format(filter=state.filter)
    return f"curator review — {profile} — {view}"


def comment_count(state: ReviewState, min_chars: int) -> str:
    """The comment editor's counter: characters written (the starter is not the user's own
    words, so it counts 0) against the length that makes the relay ready."""
    count = 0 if state.guide else len(clean_comment(state.draft) or "")
    mark = "✔" if count >= min_chars else "✎"
    characters = _t(state).ngettext(
        "{count}/{min} character", "{count}/{min} characters", min_chars
    )
    return f"{mark} " + characters.format(count=count, min=min_chars)


def list_date(entry: Entry, timezone: str, language: str = "en") -> str:
    """The short date of the list's date column, in the profile's zone: "27 Nov" / "27 nov."."""
    if entry.published is None:
        return ""
    local = _local(entry.published, timezone)
    return f"{local.day:>2} " + i18n.language(language).format_datetime(local, "MMM")


def highlight_spans(text: str, terms: Sequence[str]) -> list[tuple[int, int]]:
    """Where the matched terms occur in `text` (accent- and case-insensitive, whole words)."""
    folded = fold(text)
    spans: list[tuple[int, int]] = []
    for term in sorted({fold(t) for t in terms if t.strip()}, key=len, reverse=True):
        pattern = re.compile(r"(?<!\w)" + re.escape(term) + r"(?!\w)")
        for match in pattern.finditer(folded):
            if not any(a < match.end() and match.start() < b for a, b in spans):
                spans.append(match.span())
    return sorted(spans)


def excerpt(text: str, limit: int = EXCERPT_CHARS, *, title: str = "") -> str:
    """The start of the text on one line; a first line repeating the title (as extracted
    pages have) is left out, the title being shown just above."""
    first, _, rest = text.strip().partition("\n")
    if title and rest and " ".join(first.split()).casefold() == " ".join(title.split()).casefold():
        text = rest
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut + " …"


@functools.lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """Lowercase without accents, keeping every character in place (same length as `text`).

    Cached: the filter folds every entry's text on each keystroke.
    """
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0].lower()
        out.append(base[0] if base else ch)
    return "".join(out)


HELP = N_("""\
j / k, ↓ / ↑   move                          enter   open / close the detail
a              approve and write your comment: enter saves, ctrl+j new line,
               ctrl+e opens $EDITOR, escape cancels. The starter is a guide:
               typing replaces it; saved untouched, the item is approved with no comment
e              approve, writing the comment in $EDITOR
x              reject                        r       reject with a reason
s              snooze until a date
               (+3d, 2w, tomorrow, friday, 24/12, in 3 days, 2026-12-24)
o              open the link in the browser  u       undo the last decision
i              keep for my own post (an idea in `curator ideas list`)
/              filter (escape clears it)     ?       this help
q              quit, from anywhere but a text box. Each decision is saved as you make it.\
""")


def help_text(language: str = "en") -> str:
    """The keys, in the profile's language."""
    return i18n.language(language).gettext(HELP)


# -- dates -------------------------------------------------------------------------------------

_WEEKDAYS = WEEKDAY_ALIASES
_RELATIVE = re.compile(r"^\+?\s*(\d+)\s*([hdw]|days?|weeks?|hours?|jours?|semaines?|heures?)$")
# "friday", "vendredi", "next friday", "vendredi prochain": the next one, never today.
_ISO_LIKE = re.compile(r"^\d{4}-\d")
_NEXT_WEEKDAY = re.compile(r"^(?:next\s+)?(?P<day>[^\W\d_]+)\.?(?:\s+prochaine?)?$")


def parse_until(
    text: str, now: datetime, timezone: str | tzinfo = "UTC", language: str | None = None
) -> datetime:
    """When a snoozed item comes back, from what a user types in French or English; aware UTC,
    strictly after now (issue 16).

    Days are counted in the profile's zone and start at local midnight, so "+1d" or "tomorrow"
    brings the item back in the next morning's digest: "2026-12-24", "2026-12-24 09:00",
    "+3d", "2w", "+12h", "tomorrow"/"demain", a weekday ("friday", "vendredi", "next monday",
    "lundi prochain": the next one), and through dateparser (French and English only, relative
    to `now`, never the real clock) "24/12", "24 déc.", "dans 3 jours", "in 2 weeks". Numeric
    dates are day first, except for an English reader (`language` "en": 12/24). A date without
    a year is the next one to come.
    """
    t = i18n.language(language or "en")
    tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
    value = " ".join(text.strip().lower().split())
    local_now = now.astimezone(tz)
    until: datetime | None = None
    relative = _RELATIVE.match(value)
    weekday = _NEXT_WEEKDAY.match(value)
    if relative:
        count, unit = int(relative.group(1)), relative.group(2)[0]
        if unit in ("h",):
            until = now + timedelta(hours=count)
        else:
            days = count * (7 if unit in ("w", "s") else 1)
            until = _midnight(local_now.date() + timedelta(days=days), tz)
    elif value in ("tomorrow", "demain"):
        until = _midnight(local_now.date() + timedelta(days=1), tz)
    elif weekday and weekday["day"] in _WEEKDAYS:
        ahead = (_WEEKDAYS[weekday["day"]] - local_now.weekday() - 1) % 7 + 1
        until = _midnight(local_now.date() + timedelta(days=ahead), tz)
    else:
        until = _absolute(value, tz)
        if until is None and not _ISO_LIKE.match(value):  # a bad ISO date is not a riddle
            until = _natural(value, local_now, tz, language)
    if until is None:
        raise InvalidAction(
            t._(
                "cannot read the date {text!r}: use 2026-12-24, 24/12, +3d, 2w, +12h, tomorrow, "
                "a weekday or 'in 3 days'"
            ).format(text=text)
        )
    until = until.astimezone(now.tzinfo)
    if until <= now:
        raise InvalidAction(
            t._("the snooze date {text} is in the past: pick a later one").format(text=text.strip())
        )
    return until


def _midnight(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _absolute(value: str, tz: tzinfo) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T").upper())
    except ValueError:
        return None
    if len(value) <= 10:  # a date alone: local midnight
        return _midnight(parsed.date(), tz)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def _natural(value: str, local_now: datetime, tz: tzinfo, language: str | None) -> datetime | None:
    """A date as people write it, in French or English, through dateparser (imported here only:
    it takes a quarter of a second); None when it reads no date."""
    from dateparser.date import DateDataParser

    settings = {
        "RELATIVE_BASE": local_now.replace(tzinfo=None),  # the injected clock, in the zone
        "PREFER_DATES_FROM": "future",
        "DATE_ORDER": "MDY" if language == "en" else "DMY",
        "RETURN_TIME_AS_PERIOD": True,
    }
    try:
        found = DateDataParser(languages=["fr", "en"], settings=settings).get_date_data(value)
    except (ValueError, OverflowError):
        return None
    if found.date_obj is None:
        return None
    moment: datetime = found.date_obj
    if found.period != "time":  # a day: it starts at local midnight, as "+3d" does
        return _midnight(moment.date(), tz)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


# -- decision files (`curator queue apply`) -----------------------------------------------------

_ACTIONS = {
    "approve": DecisionKind.APPROVE,
    "reject": DecisionKind.REJECT,
    "snooze": DecisionKind.SNOOZE,
}


@dataclass(frozen=True, slots=True)
class Request:
    """One decision asked for by a line of a decisions file (or a command)."""

    item_id: int
    kind: DecisionKind
    comment: str | None = None
    reason: str | None = None
    until: datetime | None = None
    line: int | None = None


def parse_request(
    text: str, line: int, now: datetime, timezone: str = "UTC", language: str | None = None
) -> Request | None:
    """One JSON line -> a Request; None for a blank or `#` line; InvalidAction names the line."""
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return None

    def bad(why: str) -> InvalidAction:
        return InvalidAction(i18n.Message(N_("line {line}: {why}"), line=line, why=why))

    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as e:
        raise bad(
            i18n.Message(
                N_("not valid JSON ({reason} at column {column})"), reason=e.msg, column=e.colno
            )
        ) from e
    if not isinstance(data, dict):
        raise bad(
            i18n.Message(
                N_("expected an object like {example}"), example='{"id": 12, "action": "approve"}'
            )
        )
    unknown = sorted(set(data) - {"id", "action", "comment", "reason", "until"})
    if unknown:
        raise bad(i18n.Message(N_("unknown key(s) {keys}"), keys=", ".join(unknown)))
    item_id = data.get("id")
    if isinstance(item_id, str) and item_id.strip().isdigit():
        item_id = int(item_id)
    if not isinstance(item_id, int) or isinstance(item_id, bool) or item_id <= 0:
        raise bad(
            i18n.Message(N_('"id" must be a positive item id, got {value}'), value=repr(item_id))
        )
    action = data.get("action")
    if action not in _ACTIONS:
        raise bad(
            i18n.Message(
                N_('"action" must be one of {actions}, got {value}'),
                actions=", ".join(_ACTIONS),
                value=repr(action),
            )
        )
    kind = _ACTIONS[action]
    for key in ("comment", "reason", "until"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise bad(i18n.Message(N_('"{key}" must be a string'), key=key))
    misplaced = {"comment": DecisionKind.APPROVE, "reason": DecisionKind.REJECT}
    for key, owner in misplaced.items():
        if data.get(key) is not None and kind is not owner:
            raise bad(
                i18n.Message(
                    N_('"{key}" goes with "{owner}", not "{action}"'),
                    key=key,
                    owner=owner.value,
                    action=action,
                )
            )
    until = None
    if kind is DecisionKind.SNOOZE:
        if not data.get("until"):
            raise bad(i18n.Message(N_('a snooze needs "until", e.g. "2026-12-24" or "+3d"')))
        try:
            until = parse_until(data["until"], now, timezone, language)
        except InvalidAction as e:
            raise bad(e.args[0]) from e
    elif data.get("until") is not None:
        raise bad(i18n.Message(N_('"until" goes with "snooze", not "{action}"'), action=action))
    return Request(
        item_id=item_id,
        kind=kind,
        comment=clean_comment(data["comment"]) if data.get("comment") else None,
        reason=" ".join((data.get("reason") or "").split()) or None,
        until=until,
        line=line,
    )


# -- outcomes of the facade's review use cases --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a decision did: the decision saved, the slot an approved item takes, what to know."""

    decision: Decision
    slot: Slot | None = None
    notes: tuple[str, ...] = ()


def describe(outcome: Outcome, timezone: str = "UTC", language: str = "en") -> str:
    """One line for the user: what was saved and, for an approval, where it lands in the plan."""
    t = i18n.language(language)
    d = outcome.decision
    text = f"{t.gettext(PAST[d.kind])} #{d.item_id}"
    if d.kind is DecisionKind.SNOOZE and d.snooze_until is not None:
        until = _when(d.snooze_until, timezone, t)
        text += " " + t._("until {when}").format(when=until)
    if d.kind is DecisionKind.APPROVE:
        slot = outcome.slot
        if slot is None:
            text += t.colon + " "
            text += t._("not in the plan yet, no open slot fits it (see `curator calendar`)")
        else:
            when = _when(slot.starts_at, timezone, t, "EEE dd MMM HH:mm")
            text += t.colon + " "
            text += t._("{kind} slot {when} ({status})").format(
                kind=t.word(slot.kind.value), when=when, status=t.word(slot.status.value)
            )
    return "; ".join([text, *(t.say(note) for note in outcome.notes)])


def comment_note(comment: str | None, min_chars: int, language: str = "en") -> str | None:
    """Why an approved item's slot will stay "planned", if it will."""
    # A Message: `describe` says it in the reader's language, whoever wrote the note.
    if not comment:
        note = i18n.Message(N_("no comment yet: the slot stays planned until you write one"))
    elif len(comment) < min_chars:
        note = i18n.Message(
            N_(
                "comment shorter than {min} characters: the slot stays planned until it is "
                "completed"
            ),
            min=min_chars,
        )
    else:
        return None
    return i18n.language(language).say(note) if language != "en" else note


def week_fill(slots: Sequence[tuple[str, str]], language: str = "en") -> str | None:
    """How the coming week's plan is filling, from the (kind, status) of its slots."""
    counted = [status for _, status in slots if status != SlotStatus.SKIPPED.value]
    if not counted:
        return None
    filled = sum(1 for s in counted if s != SlotStatus.EMPTY.value)
    ready = sum(1 for s in counted if s in (SlotStatus.READY.value, SlotStatus.PUBLISHED.value))
    fill = i18n.Message(
        N_("next 7 days: {filled}/{total} slots filled, {ready} ready"),
        filled=filled,
        total=len(counted),
        ready=ready,
    )
    return i18n.language(language).say(fill) if language != "en" else fill


def _when(
    moment: datetime, timezone: str, t: i18n.Language, pattern: str = "EEE dd MMM y HH:mm"
) -> str:
    """ "Fri 27 Mar 2026 10:00" / "ven. 27 mars 2026 10:00", in the profile's zone."""
    return t.format_datetime(_local(moment, timezone), pattern)


def _local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


@dataclass(frozen=True, slots=True)
class LineResult:
    """The outcome of one line of a decisions file: an Outcome, or the error that line met."""

    line: int
    outcome: Outcome | None
    error: str | None = None


def entry_for(
    item: Item,
    score: Score,
    duplicates: int,
    starter: str | None,
    *,
    loaded: bool = True,
    picked_by: tuple[FollowedPick, ...] = (),
) -> Entry:
    return Entry(
        id=item.id,
        title=" ".join(item.title.split()) or "(untitled)",
        feed=item.feed_name or f"feed {item.feed_id}",
        url=item.url,
        published=item.published_at or item.fetched_at,
        language=item.language,
        score=score.final,
        why=score.why,
        excerpt=excerpt(item.text or item.summary, title=item.title),
        duplicates=duplicates,
        starter=starter,
        rank=score.rank,
        starter_loaded=loaded,
        picked_by=picked_by,
    )


PICK_REASON_CHARS = 80


def pick_reason(pick: FollowedPick, language: str = "en") -> str:
    """Why a followed colleague's pick is in the queue, as a reason among the score's: "picked
    by alice: <her comment, shortened>" (issue 17)."""
    import textwrap

    t = i18n.language(language)
    comment = " ".join((pick.comment or "").split())
    if not comment:
        return t._("picked by {profile}").format(profile=pick.profile)
    short = textwrap.shorten(comment, PICK_REASON_CHARS, placeholder="…")
    return t._("picked by {profile}: {comment}").format(profile=pick.profile, comment=short)


def check_pending(
    item: Item,
    current: Decision | None,
    now: datetime,
    timezone: str = "UTC",
    language: str = "en",
) -> None:
    """Only items waiting for review can be decided; anything else gets a message saying why.

    Times are the profile's local ones, as everywhere else the user reads them."""
    t = i18n.language(language)
    if item.state is ItemState.DELETED:
        raise InvalidAction(
            t._("item {id} was deleted: it can no longer be reviewed").format(id=item.id)
        )
    if is_pending(current, now):
        return
    assert current is not None  # is_pending says so
    when = t._("on {when}").format(when=_when(current.decided_at, timezone, t))
    if current.kind is DecisionKind.SNOOZE and current.snooze_until is not None:
        when += ", " + t._("until {when}").format(when=_when(current.snooze_until, timezone, t))
    raise InvalidAction(
        t._(
            "item {id} is already {decision} ({when}); "
            "`curator queue undo {id}` takes that decision back"
        ).format(id=item.id, decision=t.gettext(PAST[current.kind]), when=when)
    )


def decision_text(decision: Decision | None, timezone: str = "UTC", language: str = "en") -> str:
    """A decision in a few words, e.g. "approved on Fri 27 Mar 2026 10:00, comment: '...'"."""
    t = i18n.language(language)
    if decision is None:
        return t.word("pending")
    text = t.gettext(PAST[decision.kind]) + " "
    text += t._("on {when}").format(when=_when(decision.decided_at, timezone, t))
    if decision.kind is DecisionKind.SNOOZE and decision.snooze_until is not None:
        text += " " + t._("until {when}").format(when=_when(decision.snooze_until, timezone, t))
    if decision.comment:
        text += ", " + t._("comment: {comment!r}").format(comment=decision.comment)
    if decision.reason:
        text += ", " + t._("reason: {reason!r}").format(reason=decision.reason)
    return text


def reasons_text(entry: Entry, limit: int = 6, language: str = "en") -> str:
    # The terms, not their weights: the weights only make sense next to each other (--json).
    t = i18n.language(language)
    terms = ", ".join(term.text for term in entry.why[:limit])
    return (
        t.format_decimal(entry.score)
        + (" " + t._("(rank {rank})").format(rank=entry.rank) if entry.rank else "")
        + (" · " + t._("why: {terms}").format(terms=terms) if terms else "")
    )


def detail_lines(
    entry: Entry, timezone: str = "UTC", width: int = 100, language: str = "en"
) -> list[str]:
    """The detail of an item as plain lines (the `queue show` command; the screen adds colour),
    in the profile's language."""
    import textwrap

    t = i18n.language(language)
    _ = t.gettext
    when = _when(entry.published, timezone, t) if entry.published else "?"
    labels = [_("Source"), _("Date"), _("Language"), _("Score"), _("Folded"), _("Link")]
    labels += [_("Picked by")] if entry.picked_by else []
    pad = max(len(label) for label in labels) + len(t.colon) + 2

    def field(label: str, value: str) -> str:
        return f"{label}{t.colon}".ljust(pad) + value

    lines = [
        f"#{entry.id}  {entry.title}",
        field(_("Source"), entry.feed),
        field(_("Date"), f"{when} ({timezone})"),
        field(_("Language"), entry.language or "?"),
        field(_("Score"), reasons_text(entry, language=language)),
    ]
    if entry.duplicates:
        folded = t.ngettext(
            "{n} duplicate of this item", "{n} duplicates of this item", entry.duplicates
        )
        lines.append(field(_("Folded"), folded.format(n=entry.duplicates)))
    lines.append(field(_("Link"), entry.url or "-"))
    for pick in entry.picked_by:
        # The colleague's whole comment: it is what the follower relays or answers (issue 17).
        lines.append(field(_("Picked by"), pick.profile))
        if pick.comment:
            lines += ["  " + line for line in textwrap.wrap(pick.comment, width - 2)]
    if entry.excerpt:
        lines += ["", *textwrap.wrap(entry.excerpt, width)]
    if entry.starter:
        lines += [
            "",
            _("Comment starter (a guide, not to post as is):"),
            *entry.starter.splitlines(),
        ]
    lines.append("")
    return lines
