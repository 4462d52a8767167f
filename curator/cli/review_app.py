"""The `curator review` screen: Textual draws a `ReviewState` and runs its effects.

All behaviour is in `curator.review.step`; this module only turns terminal events into keys,
executes the effects through the facade (each decision is saved as it is made) and draws the
state. Kept apart from `curator.cli.review` so other commands never pay for importing Textual.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import webbrowser
from dataclasses import replace
from pathlib import Path

from rich.text import Text
from textual import events
from textual.app import App, ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Static, TextArea

from curator import review
from curator.app import Curator
from curator.errors import CuratorError
from curator.i18n import N_, Language
from curator.i18n import language as speak
from curator.outputs.words import profile_language
from curator.results import ActivityMeter
from curator.review import Effect, Key, Mode, ReviewState
from curator.types import Profile

PROMPTS = {  # msgids, shown in the profile's language
    Mode.REASON: N_("Reject, reason (optional) — enter saves, escape cancels"),
    Mode.SNOOZE: N_(
        "Snooze until (+3d, 2w, tomorrow, friday, 24/12, in 3 days, 2026-12-24) — enter saves"
    ),
    Mode.FILTER: N_("Filter — enter keeps it, escape clears it"),
}
COMMENT_HELP = N_(
    "Your comment (typing replaces the starter) — enter saves · ctrl+j new line · "
    "ctrl+e $EDITOR · escape cancels"
)


class CommentArea(TextArea):
    """The inline comment editor: enter saves (a relay comment is usually one paragraph)."""

    class Save(Message):
        def __init__(self, text: str) -> None:
            self.text = text
            super().__init__()

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Save(self.text))
            return
        if event.key == "ctrl+j":
            event.stop()
            event.prevent_default()
            self.insert("\n")
            return
        await super()._on_key(event)


class ReviewApp(App[ReviewState]):
    CSS = """
    #panes { height: 1fr; }
    #header { height: 1; padding: 0 1; background: $primary-darken-3; text-style: bold; }
    #list {
        width: 65%; height: 100%; border-right: solid $primary-darken-2; padding: 0 1;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    #detail { width: 1fr; padding: 0 1; }
    #help { display: none; height: auto; border: round $primary; padding: 0 1; }
    #prompt-label { display: none; height: 1; padding: 0 1; text-style: bold; }
    #prompt { display: none; }
    #comment { display: none; height: 6; }
    #message { height: 1; padding: 0 1; }
    #footer { height: 1; padding: 0 1; background: $primary-darken-3; }
    """
    TITLE = "curator review"
    ENABLE_COMMAND_PALETTE = False
    AUTO_FOCUS = None  # keys belong to the review until a prompt opens (and focuses its widget)

    def __init__(self, curator: Curator, profile: Profile) -> None:
        # Textual takes NO_COLOR out of the environment; $EDITOR and the browser still get it.
        self.child_env = dict(os.environ)
        super().__init__()
        self.curator = curator
        self.profile = profile
        # One language on the whole screen: the profile's (issue 16).
        self.language = profile_language(profile)
        self.t: Language = speak(self.language)
        entries = curator.review_queue(profile.name)
        self.state = review.start(entries, curator.now(), profile.timezone, self.language)
        self.fill = curator.plan_fill(profile.name)
        self._starter_timer: Timer | None = None
        # The session's active time, idle gaps excluded, counts in `curator results` (issue 15).
        self.meter = ActivityMeter(curator.now)

    def compose(self) -> ComposeResult:
        yield Static(id="header")
        with Horizontal(id="panes"):
            yield Static(id="list")
            with VerticalScroll(id="detail"):
                yield Static(id="detail-text")
        yield Static(review.help_text(self.language), id="help")
        yield Static(id="prompt-label")
        yield Input(id="prompt")
        yield CommentArea(id="comment", soft_wrap=True)
        yield Static(id="message")
        yield Static(id="footer")

    def on_mount(self) -> None:
        self.set_focus(None)
        self.draw()
        self.schedule_starter()

    def on_resize(self, event: events.Resize) -> None:
        self.draw()

    def on_unmount(self) -> None:
        seconds = round(self.meter.active.total_seconds())
        self.curator.record_active_time(self.profile.name, self.meter.started_at, seconds)

    # -- input -> keys ------------------------------------------------------------------------

    def on_key(self, event: events.Key) -> None:
        if self.state.mode in (Mode.COMMENT, Mode.REASON, Mode.SNOOZE, Mode.FILTER):
            # The text widgets own typing; escape and ctrl+e still reach the review logic.
            if event.key in ("escape", "ctrl+e"):
                event.stop()
                self.dispatch(event.key)
            return
        key = event.character if event.is_printable and event.character else event.key
        event.stop()
        event.prevent_default()
        if key in ("a", "e"):
            self.load_starter()  # the editor opens with it
        self.dispatch(key)

    def on_input_changed(self, event: Input.Changed) -> None:
        if self.state.mode is Mode.FILTER:
            self.dispatch(review.Edited(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dispatch(review.Submit(event.value))

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if self.state.mode is Mode.COMMENT:
            self.dispatch(review.Edited(event.text_area.text))

    def on_comment_area_save(self, event: CommentArea.Save) -> None:
        self.dispatch(review.Submit(event.text))

    # -- keys -> state -> effects ---------------------------------------------------------------

    def dispatch(self, key: Key) -> None:
        self.meter.touch()
        before = self.state.mode
        # Snooze dates are read against the current time, not the time the screen opened.
        self.state = replace(self.state, now=self.curator.now())
        effects: tuple[Effect, ...]
        self.state, effects = review.step(self.state, key)
        for effect in effects:
            self.run_effect(effect)
        self.draw(opened=self.state.mode if self.state.mode is not before else None)
        self.schedule_starter()

    def run_effect(self, effect: Effect) -> None:
        name = self.profile.name
        tz = self.profile.timezone
        if isinstance(effect, review.Quit):
            self.exit(self.state)
            return
        if isinstance(effect, review.OpenUrl):
            self.open_link(effect.url)
            return
        if isinstance(effect, review.EditExternally):
            self.feed(self.edit_externally(effect.text))
            return
        if isinstance(effect, review.KeepIdea):
            try:
                idea = self.curator.keep_idea(name, effect.item.id)
            except CuratorError as e:
                self.state = replace(self.state, message=self.t.say_error(e))
                return
            kept = self.t._("kept for your own post: idea #{id}").format(id=idea.id)
            self.state = replace(self.state, message=kept)
            return
        try:
            if isinstance(effect, review.Approve):
                outcome = self.curator.approve(name, effect.item.id, effect.comment)
            elif isinstance(effect, review.Reject):
                outcome = self.curator.reject(name, effect.item.id, effect.reason)
            elif isinstance(effect, review.Snooze):
                outcome = self.curator.snooze(name, effect.item.id, effect.until)
            else:
                self.curator.undo_decision(name, item_id=effect.item.id)
                text = self.t._("undone: #{id} {title} is back in the queue").format(
                    id=effect.item.id, title=effect.item.title
                )
                self.feed(review.Applied(text))
                self.fill = self.curator.plan_fill(name)
                return
        except CuratorError as e:
            if isinstance(effect, review.Undo):
                # The list put the item back, the database did not: show the database's queue.
                entries = self.curator.review_queue(name)
                self.state = review.reload(self.state, entries, self.t.say_error(e))
            else:
                self.feed(review.Failed(effect.item.id, self.t.say_error(e)))
            return
        self.feed(review.Applied(review.describe(outcome, tz, self.language)))
        self.fill = self.curator.plan_fill(name)

    def load_starter(self) -> None:
        """Fetch the current entry's comment starter if it is not there yet (tens of ms)."""
        entry = self.state.current()
        if entry is None or entry.starter_loaded:
            return
        try:
            starter = self.curator.comment_starter(self.profile.name, entry.id)
        except CuratorError:
            starter = None
        self.state = review.with_starter(self.state, entry.id, starter)

    def schedule_starter(self) -> None:
        """Load the starter once the cursor rests, so moving through the list stays instant."""
        if self._starter_timer is not None:
            self._starter_timer.stop()
        entry = self.state.current()
        if entry is not None and not entry.starter_loaded:
            self._starter_timer = self.set_timer(0.3, self._starter_loaded)

    def _starter_loaded(self) -> None:
        self._starter_timer = None
        if self.state.mode in (Mode.LIST, Mode.DETAIL):
            self.load_starter()
            self.query_one("#detail-text", Static).update(self.detail_text())

    def feed(self, event: Key) -> None:
        self.state, effects = review.step(self.state, event)
        for effect in effects:
            self.run_effect(effect)

    def open_link(self, url: str) -> None:
        try:
            browser = webbrowser.get()
        except webbrowser.Error:
            self.feed(
                review.Applied(self.t._("no web browser found; the link: {url}").format(url=url))
            )
            return
        # A console browser (lynx, w3m, www-browser) needs the terminal: hand it over meanwhile.
        console = type(browser) is webbrowser.GenericBrowser
        try:
            if console and self._driver is not None and self._driver.can_suspend:
                with self.suspend():
                    browser.open(url)
            else:
                browser.open(url)
        except (OSError, webbrowser.Error) as e:
            self.feed(
                review.Applied(self.t._("could not open {url}: {error}").format(url=url, error=e))
            )

    def edit_externally(self, text: str) -> review.EditorClosed:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        with tempfile.TemporaryDirectory(prefix="curator-") as folder:
            path = Path(folder) / "COMMENT.md"
            path.write_text(text, encoding="utf-8")
            try:
                with self.suspend():
                    command = [*shlex.split(editor), str(path)]
                    try:
                        result = subprocess.run(command, check=False, env=self.child_env)
                    finally:
                        self.meter.credit()  # writing the comment is active time
            except (OSError, ValueError) as e:
                return review.EditorClosed(None, f"{editor}: {e}")
            if result.returncode != 0:
                failed = self.t._("{editor} exited with {code}")
                return review.EditorClosed(
                    None, failed.format(editor=editor, code=result.returncode)
                )
            return review.EditorClosed(path.read_text(encoding="utf-8"))

    # -- state -> screen ------------------------------------------------------------------------

    def draw(self, opened: Mode | None = None) -> None:
        state = self.state
        self.query_one("#header", Static).update(review.header(state, self.profile.name))
        self.query_one("#list", Static).update(self.list_text())
        self.query_one("#detail-text", Static).update(self.detail_text())
        self.query_one("#help").display = state.mode is Mode.HELP
        self.query_one("#message", Static).update(Text(state.message, style="italic"))
        self.query_one("#footer", Static).update(review.footer(state, self.fill))
        label = self.query_one("#prompt-label", Static)
        prompt = self.query_one("#prompt", Input)
        comment = self.query_one("#comment", CommentArea)
        label.display = state.mode in PROMPTS or state.mode is Mode.COMMENT
        label.update(
            self.comment_label()
            if state.mode is Mode.COMMENT
            else self.t.gettext(PROMPTS[state.mode])
            if state.mode in PROMPTS
            else ""
        )
        prompt.display = state.mode in PROMPTS
        comment.display = state.mode is Mode.COMMENT
        if opened in PROMPTS:
            prompt.value = state.draft
            prompt.focus()
            if state.guide:
                prompt.select_on_focus = True
            prompt.cursor_position = len(state.draft)
        elif opened is Mode.COMMENT:
            comment.load_text(state.draft)
            comment.focus()
            if state.guide:
                comment.select_all()  # the starter is a guide: the first keystroke replaces it
        elif opened is not None and opened not in PROMPTS:
            self.set_focus(None)

    def comment_label(self) -> str:
        """The editor's help with a live character count (issue 16)."""
        count = review.comment_count(self.state, self.profile.schedule.min_comment_chars)
        return f"{count} · {self.t.gettext(COMMENT_HELP)}"

    def list_text(self) -> Text:
        """One row per item: score, title, then source and date in columns of their own, so a
        long title is cut instead of pushing them out of sight (issue 16)."""
        state = self.state
        shown = state.visible()
        if not shown:
            _ = self.t.gettext
            return Text(
                _("Nothing left to review.") if not state.entries else _("No item matches.")
            )
        pane = self.query_one("#list")
        height = max(3, pane.content_size.height or 20)
        width = max(30, pane.content_size.width or 60)
        top = max(0, min(state.cursor - height // 2, len(shown) - height))
        rows = shown[top : top + height]
        feed_width = min(16, max(len(e.feed) for e in rows), max(8, width // 4))
        date_width = 7
        title_width = max(8, width - 2 - 5 - feed_width - date_width - 4)
        text = Text(no_wrap=True, overflow="ellipsis")
        for index, entry in enumerate(rows, start=top):
            selected = index == state.cursor
            line = Text("▸ " if selected else "  ", style="bold" if selected else "")
            line.append(self.t.format_decimal(entry.score).rjust(4) + " ", style="cyan")
            title = entry.title + (f" +{entry.duplicates}" if entry.duplicates else "")
            line.append(_fit(title, title_width), style="bold reverse" if selected else "")
            line.append("  " + _fit(entry.feed, feed_width), style="dim")
            date = review.list_date(entry, self.profile.timezone, self.language)
            line.append("  " + date.rjust(date_width), style="dim")
            line.append("\n")
            text.append_text(line)
        return text

    def detail_text(self) -> Text:
        entry = self.state.current()
        if entry is None:
            return Text(self.t._("Press q to quit, ? for help."), style="dim")
        tz = self.profile.timezone
        lines = review.detail_lines(entry, tz, width=10_000, language=self.language)
        head, body = lines[0], lines[1:]
        text = Text(head + "\n", style="bold")
        terms = [t.text for t in entry.why]
        for line in body:
            styled = Text(line + "\n")
            for start, end in review.highlight_spans(line, terms):
                styled.stylize("bold underline yellow", start, end)
            text.append_text(styled)
        return text


def _fit(text: str, width: int) -> str:
    """Exactly `width` characters: padded, or cut with an ellipsis."""
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"
