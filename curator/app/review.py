"""Review decisions and the review queue: approve, reject, snooze, undo."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from curator import plan as planner
from curator.app.picks import explained, followed, followed_picks, with_picks
from curator.app.plan import PlanUseCases, _starters
from curator.app.score import ScoreUseCases
from curator.errors import CuratorError, InvalidAction
from curator.i18n import N_, Message, error_message
from curator.store import decisions, repo
from curator.store import queue as queue_store
from curator.store import review as review_store
from curator.types import Decision, DecisionKind, Item, Profile, Score, Slot

# The review rules (`curator.review`, 15 ms of start-up) are imported by the methods that apply
# them: `status`, `slot ...`, `digest` and `run` never do (issue 19).
if TYPE_CHECKING:
    from curator import review


class ReviewUseCases(ScoreUseCases, PlanUseCases):
    """Decisions on queued items; each re-plans at once and is learned at the next pass."""

    # --- review decisions ------------------------------------------------------------------

    def decide(
        self,
        profile: str,
        item_id: int,
        kind: DecisionKind,
        *,
        comment: str | None = None,
        reason: str | None = None,
        snooze_until: datetime | None = None,
    ) -> Decision:
        """Record a review decision; the scorer and the planner see it on their next pass."""
        self.settings.profile(profile)  # NotFound names the known profiles
        now = self.now()
        if kind is DecisionKind.SNOOZE and (snooze_until is None or snooze_until <= now):
            raise InvalidAction(
                Message(N_("snooze date must be in the future, got {date}"), date=snooze_until)
            )
        with self.db.session() as session:
            repo.get_item(session, item_id)  # NotFound for an unknown id
            previous = decisions.current_for(session, profile, item_id)
            if previous is not None and previous.kind is kind and kind is not DecisionKind.SNOOZE:
                from curator import review

                raise InvalidAction(
                    Message(
                        N_("item {id} is already {decision} for {profile} (on {when} UTC)"),
                        id=item_id,
                        decision=Message(review.PAST[previous.kind]),
                        profile=profile,
                        when=f"{previous.decided_at:%Y-%m-%d %H:%M}",
                    )
                )
            if kind is DecisionKind.WITHDRAW and (
                previous is None or previous.kind is not DecisionKind.APPROVE
            ):
                raise InvalidAction(
                    Message(
                        N_("item {id} is not approved for {profile}"), id=item_id, profile=profile
                    )
                )
            decision = Decision(
                profile=profile,
                item_id=item_id,
                kind=kind,
                decided_at=now,
                comment=comment,
                reason=reason,
                snooze_until=snooze_until,
            )
            decisions.record(session, decision)
        return decision

    def review_queue(self, profile: str) -> list[review.Entry]:
        """The pending queue (the same as `queue list`), as the review screens show it."""
        from curator import review

        p = self.settings.profile(profile)
        with self.db.reading() as session:
            entries = queue_store.pending(session, profile, self.now(), followed=followed(p))
            entries = with_picks(session, p, entries)
            folded = review_store.duplicate_counts(session, [e.item for e in entries])
        # Starters cost tens of milliseconds each: the screen asks for one when it is needed.
        return [
            review.entry_for(
                e.item, e.score, folded.get(e.item.id, 0), None, loaded=False,
                picked_by=e.picked_by,
            )
            for e in entries
        ]  # fmt: skip

    def comment_starter(self, profile: str, item_id: int) -> str | None:
        """The guide for the user's comment: the same starter the planner puts on the slot."""
        p = self.settings.profile(profile)
        with self.db.reading() as session:
            item, score, _ = review_store.item_with_score(session, profile, item_id)
        return _starters(p, {item_id: (item, score)})(item_id)

    def review_item(
        self, profile: str, item_id: int, *, starter: bool = True
    ) -> tuple[review.Entry, Decision | None]:
        """One item as the review shows it, and its current decision, whatever its state.

        Without `starter` the comment starter is the plan's or a quick one built from the
        item's lead; with it, the scorer's sentence picker, whose libraries take a second to
        import (issue 16)."""
        from curator import review

        p = self.settings.profile(profile)
        with self.db.reading() as session:
            item, score, folded = review_store.item_with_score(session, profile, item_id)
            current = decisions.current_for(session, profile, item_id)
            planned = review_store.slot_starter(session, profile, item_id)
            picks = followed_picks(session, p, [item]).get(item_id, ())
        # The starter the plan wrote, else one from the item's lead and the words it ranked
        # for; the scorer's sentence picker (`starter=True`) loads scikit-learn, a second or
        # more for one item (issues 16 and 19).
        if planned:
            text: str | None = planned
        elif starter:
            text = _starters(p, {item_id: (item, score)})(item_id)
        else:
            text = _quick_starter(p, item, score)
        score = score or Score(profile, item_id, final=0.0, relevance=0.0)
        if picks:
            score = explained(score, picks, p)
        return review.entry_for(item, score, folded, text, picked_by=picks), current

    # A decision re-plans at once (milliseconds), so the calendar shows it, and re-scores nothing
    # (issue 19: re-scoring the whole window took 15 s after a year of feeds): the next
    # incremental pass (`curator run`, the service's tick, or `learn` at the end of a review)
    # re-scores the head of the queue with it as feedback.

    def approve(self, profile: str, item_id: int, comment: str | None = None) -> review.Outcome:
        """Approve a pending item with the user's comment; the plan takes it at once."""
        from curator import review

        comment = review.clean_comment(comment or "")
        schedule = self.settings.profile(profile).schedule
        note = review.comment_note(comment, schedule.min_comment_chars)
        return self._review(profile, item_id, DecisionKind.APPROVE, note, comment=comment)

    def reject(self, profile: str, item_id: int, reason: str | None = None) -> review.Outcome:
        return self._review(profile, item_id, DecisionKind.REJECT, None, reason=reason)

    def snooze(self, profile: str, item_id: int, until: datetime) -> review.Outcome:
        return self._review(profile, item_id, DecisionKind.SNOOZE, None, snooze_until=until)

    def _review(
        self,
        profile: str,
        item_id: int,
        kind: DecisionKind,
        note: str | None,
        **fields: Any,
    ) -> review.Outcome:
        """The rules shared by the review screen and the queue commands, then the re-plan."""
        from curator import review
        from curator.outputs.words import profile_language

        chosen = self.settings.profile(profile)
        tz = chosen.timezone
        with self.db.reading() as session:
            item = repo.get_item(session, item_id)
            current = decisions.current_for(session, profile, item_id)
        # its dates are written in the profile's language too (issue 16)
        review.check_pending(item, current, self.now(), tz, profile_language(chosen))
        decision = self.decide(profile, item_id, kind, **fields)
        slot, variety = self._replan_with_note(profile, item_id)
        notes = tuple(n for n in (note, variety) if n)
        return review.Outcome(decision, slot, notes)

    def undo_decision(
        self,
        profile: str,
        *,
        item_id: int | None = None,
        only_if_last: bool = True,
    ) -> Decision | None:
        """Take back the profile's most recent decision; the scores and the plan follow.

        With `item_id`: the most recent decision on that item. By default only if it is also
        the profile's most recent one (the review screen undoes its own last decision, never
        one made meanwhile by another command); `only_if_last=False` takes back an older
        decision on that item too (`curator queue undo ITEM`).
        """
        self.settings.profile(profile)
        with self.db.session() as session:
            if item_id is not None and only_if_last:
                last = decisions.last(session, profile)
                if last is None or last.item_id != item_id:
                    raise InvalidAction(
                        Message(
                            N_(
                                "nothing undone: the last decision for {profile} is not the one "
                                "on item {id} (another command decided meanwhile)"
                            ),
                            profile=profile,
                            id=item_id,
                        )
                    )
            undone = decisions.undo_last(session, profile, item_id)
        if undone is not None:
            self._replan_for(profile, undone.item_id)
        return undone

    def learn(self, profile: str) -> str:
        """Re-score with the decisions made so far as feedback, then re-plan with the scores."""
        report = self.score(profile, incremental=True)
        self.plan(profile)
        return report.summary()

    def apply_decisions(self, profile: str, lines: Iterable[str]) -> list[review.LineResult]:
        """Apply a decisions file line by line: every line gets its outcome, none stops the rest."""
        from curator import review
        from curator.outputs.words import profile_language

        chosen = self.settings.profile(profile)
        tz, language = chosen.timezone, profile_language(chosen)
        results: list[review.LineResult] = []
        for number, text in enumerate(lines, start=1):
            try:
                request = review.parse_request(text, number, self.now(), tz, language)
                if request is not None:
                    results.append(review.LineResult(number, self._request(profile, request)))
            except CuratorError as e:
                # Lazy (issue 16): the command says it in the profile's language.
                why = error_message(e)
                if isinstance(why, Message) and why.msgid == "line {line}: {why}":
                    message = why
                else:
                    message = Message(N_("line {line}: {why}"), line=number, why=why)
                results.append(review.LineResult(number, None, message))
        if any(r.outcome is not None for r in results):
            self.learn(profile)
        return results

    def _request(self, profile: str, request: review.Request) -> review.Outcome:
        if request.kind is DecisionKind.APPROVE:
            return self.approve(profile, request.item_id, request.comment)
        if request.kind is DecisionKind.REJECT:
            return self.reject(profile, request.item_id, request.reason)
        assert request.until is not None, "parse_request gives every snooze a date"
        return self.snooze(profile, request.item_id, request.until)

    def plan_fill(self, profile: str) -> str | None:
        """How the coming week of the plan is filling, for the review footer."""
        from curator import review

        self.settings.profile(profile)
        # A rolling week, not the calendar one: on a Friday, next week is what the user fills.
        start = self.now()
        with self.db.reading() as session:
            rows = review_store.slot_counts(session, profile, start, start + timedelta(days=7))
        return review.week_fill(rows)

    def _replan_for(self, profile: str, item_id: int) -> Slot | None:
        """Re-plan after a decision, so the calendar shows it; the slot the item now takes."""
        return self._replan_with_note(profile, item_id)[0]

    def _replan_with_note(self, profile: str, item_id: int) -> tuple[Slot | None, str | None]:
        """The slot the item takes after re-planning, and the variety note that slot carries
        (it repeats a nearby relay's feed because nothing else fits, issue 16).

        The comment starter of a newly placed item is left to the next full plan (a run, the
        service): computing it loads the scorer, seconds for a command that otherwise takes a
        fraction of one (issue 19)."""
        report = self.plan(profile, starters=False)
        for p in report.plans:
            for s in p.slots:
                if s.item_id == item_id:
                    return s, p.variety.get(s.id)
        return None, None


def _quick_starter(profile: Profile, item: Item, score: Score | None) -> str | None:
    """A comment starter without the scorer: the item's first sentences and its `why` terms."""
    sentences = planner.lead_sentences(item.text, 2, title=item.title)
    terms = [t.text for t in score.matched[:3]] if score is not None else []
    language = profile.language if profile.language in ("fr", "en") else item.language
    return planner.comment_starter(sentences, terms, language=language or "en")
