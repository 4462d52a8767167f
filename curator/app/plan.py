"""The editorial plan: slots, and what the user does with them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from curator import plan as planner
from curator.app.core import CuratorCore
from curator.errors import InvalidAction
from curator.i18n import N_, Message, Plural, joined
from curator.store import repo
from curator.store import slots as slot_store
from curator.types import Item, Profile, Schedule, Score, Slot, SlotKind


@dataclass(slots=True)
class ProfilePlan:
    """What planning did for one profile."""

    profile: str
    slots: list[Slot]  # every live slot after planning
    created: int
    updated: int
    removed: int
    notes: list[str]
    variety: dict[str, str] = field(default_factory=dict)  # slot id -> why it repeats a feed
    team: dict[int, str] = field(default_factory=dict)  # item id -> the colleague relaying it

    def upcoming(self, now: datetime) -> list[Slot]:
        return [s for s in self.slots if s.starts_at > now]


@dataclass(slots=True)
class PlanReport:
    plans: list[ProfilePlan] = field(default_factory=list)
    now: datetime | None = None

    def summary(self) -> str:
        parts = []
        for p in self.plans:
            upcoming = p.upcoming(self.now) if self.now else p.slots
            empty = sum(1 for s in upcoming if s.status.value == "empty")
            todo = sum(1 for s in upcoming if planner.needs_comment(s))
            parts.append(
                Plural(
                    "{profile}: {n} upcoming slot ({created} new, {updated} changed, {removed} "
                    "removed), {todo} need a comment, {empty} empty",
                    "{profile}: {n} upcoming slots ({created} new, {updated} changed, {removed} "
                    "removed), {todo} need a comment, {empty} empty",
                    len(upcoming),
                    profile=p.profile,
                    n=len(upcoming),
                    created=p.created,
                    updated=p.updated,
                    removed=p.removed,
                    todo=todo,
                    empty=empty,
                )
            )
        return joined("; ", parts) if parts else Message(N_("no profile to plan"))


@dataclass(slots=True)
class CalendarView:
    """A profile's slots over a window, with the items they relay, for the calendar commands."""

    profile: Profile
    start: datetime
    end: datetime
    now: datetime
    slots: list[Slot]
    items: dict[int, Item]
    log: list[planner.WeekLog] = field(default_factory=list)
    week_minutes: dict[date, int] = field(default_factory=dict)  # by local Monday


class PlanUseCases(CuratorCore):
    """Planning slots from approved items, and what the user does with a slot."""

    # --- editorial plan (issue 5) -------------------------------------------------------------

    def plan(self, profile: str | None = None, *, starters: bool = True) -> PlanReport:
        """Re-plan each profile's slots from its approved items, scores and existing slots.

        Without `starters`, a slot that gets a new item has no comment starter until the next
        plan with them."""
        now = self.now()
        report = PlanReport(now=now)
        for p in self.settings.select_profiles(profile):
            report.plans.append(self._plan_profile(p, now, starters=starters))
        return report

    def _plan_profile(self, profile: Profile, now: datetime, *, starters: bool) -> ProfilePlan:
        from curator.outputs.words import profile_language

        tz = planner.zone(profile.timezone)
        language = profile_language(profile)

        def read(session: Any) -> tuple[Any, ...]:
            approved = slot_store.approved_items(session, profile.name)
            existing = slot_store.list_slots(session, profile.name)
            held = {s.item_id for s in existing if s.item_id is not None}
            known = slot_store.items_with_scores(session, profile.name, held)
            top = slot_store.recent_top_scores(session, profile.name, since=now - _THEME_WINDOW)
            cancelled = slot_store.removed_sequences(session, profile.name)
            # The colleagues' relays from the start of the local day on (issue 17): a story
            # relayed this morning by another profile is not relayed here this afternoon.
            others = [p.name for p in self.settings.profiles if p.name != profile.name]
            stories = {a.item.cluster_id or a.item.id for a in approved}
            team = slot_store.team_relays(session, others, stories, since=now - timedelta(days=1))
            return approved, existing, known, top, cancelled, team

        def plan(session: Any, inputs: tuple[Any, ...]) -> planner.PlanResult:
            approved, existing, known, top, cancelled, team = inputs

            def once(themes: list[str]) -> planner.PlanResult:
                return planner.plan_slots(
                    profile.name,
                    profile.schedule,
                    tz,
                    candidates=[_candidate(a.item, a.score, a.comment) for a in approved],
                    known=[_candidate(item, score, None) for item, score in known],
                    existing=existing,
                    now=now,
                    themes=themes,
                    objective=profile.objective,
                    cancelled=cancelled,
                    starter_for=(
                        _starters(profile, {a.item.id: (a.item, a.score) for a in approved})
                        if starters
                        else None
                    ),
                    language=language,
                    team=team,
                )

            themes = self._original_themes(session, profile, now, approved, existing, top)
            result = once(themes)
            # An original is never about what a planned relay is about (issue 15): once the
            # relays are known, plan again if that changes the themes.
            again = self._original_themes(
                session, profile, now, approved, existing, top, planned=result.slots
            )
            return once(again) if again != themes else result

        # Planned in a reading unit (comment starters run the scorer's sentence picking),
        # then written if nothing planning read has changed meanwhile; otherwise planned again
        # under the write lock, which only a decision or another planner landing in between
        # causes (issue 13).
        with self.db.reading() as session:
            inputs = read(session)
            result = plan(session, inputs)
        with self.db.session() as session:
            current = read(session)
            if current != inputs:
                inputs, result = current, plan(session, current)
            slot_store.save_slots(session, result.changed, tz, now)
            slot_store.remove_slots(session, result.removed, now)
            given = [(s.topic, s.id) for s in result.changed if s.kind is SlotKind.ORIGINAL]
            if given:
                from curator.store import ideas as ideas_store

                ideas_store.mark_used(session, profile.name, [(t, i) for t, i in given if t], now)
        existing = inputs[1]
        fresh = {s.id for s in existing}
        return ProfilePlan(
            profile=profile.name,
            slots=list(result.slots),
            created=sum(1 for s in result.changed if s.id not in fresh),
            updated=sum(1 for s in result.changed if s.id in fresh),
            removed=len(result.removed),
            notes=list(result.notes),
            variety=dict(result.variety),
            team=dict(result.team),
        )

    def _original_themes(
        self,
        session: Any,
        profile: Profile,
        now: datetime,
        approved: list[slot_store.Approved],
        existing: list[Slot],
        top: list[Score],
        *,
        planned: Sequence[Slot] | None = None,
    ) -> list[str]:
        """Themes for original slots: the idea backlog first, then a past original that did
        well, then the objective's terms from recent approvals (issue 15; `curator.ideas`)."""
        # The ideas and results rules (with their many value types, 20 ms of start-up) are
        # loaded by planning, not by every command of the facade: `status`, `queue show` and
        # `slot comment` never plan (issue 19).
        from curator import ideas as ideas_mod
        from curator.outputs.words import profile_language
        from curator.store import ideas as ideas_store
        from curator.store import results as results_store

        floor = profile.schedule.min_score
        scores = [a.score for a in approved if a.score is not None and a.score.final >= floor]
        scores.sort(key=lambda s: (-s.final, s.item_id))
        terms = planner.themes_from(scores, n=20) + planner.themes_from(top, n=20)
        relays = [
            s
            for s in (existing if planned is None else planned)
            if s.kind is SlotKind.RELAY and s.item_id is not None and s.starts_at >= now
        ]
        held = {s.item_id for s in relays if s.item_id is not None}
        by_item = {a.item.id: a for a in approved}
        # a relay's story: the first two objective terms its item matched
        avoid_terms = {
            t.text
            for i in held
            if (a := by_item.get(i)) is not None and a.score is not None
            for t in a.score.matched[:2]
        }
        titles = {a.item.title for a in approved} | set(_titles(session, top).values())
        return ideas_mod.original_themes(
            ideas=ideas_store.list_ideas(session, profile.name),
            terms=terms,
            past=[
                (s.starts_at, s.topic) for s in existing if s.kind is SlotKind.ORIGINAL and s.topic
            ],
            originals=[
                p
                for p in results_store.list_posts(session, profile.name)
                if p.kind is SlotKind.ORIGINAL
            ],
            avoid_terms=avoid_terms,
            avoid_items=held,
            titles=titles,
            now=now,
            language=profile_language(profile),
        )

    def calendar(
        self,
        profile: str | None = None,
        *,
        weeks: int = 2,
        past: bool = False,
        start: date | None = None,
    ) -> CalendarView:
        """The plan for `weeks` weeks from `start` (a local date; default today), or with
        `past` the results log."""
        p = self.choose_profile(profile)
        now = self.now()
        tz = planner.zone(p.timezone)
        first_day = start or now.astimezone(tz).date()
        begins = planner.local_midnight(first_day, tz)
        end = planner.local_midnight(first_day + timedelta(days=7 * weeks), tz)
        # whole weeks around the window, so each week's minutes count every slot of the week
        first = planner.local_midnight(planner.local_week(min(now, begins), tz), tz)
        last = planner.local_midnight(planner.local_week(end, tz) + timedelta(days=7), tz)
        log: list[planner.WeekLog] = []
        with self.db.reading() as session:
            if past:
                around = slot_store.list_slots(session, p.name, until=last)
                log = planner.results_log(around, tz, p.schedule, now)
                slots = [s for s in around if s.starts_at <= now or s.published_at is not None]
            else:
                around = slot_store.list_slots(session, p.name, since=first, until=last)
                slots = [s for s in around if begins <= s.starts_at < end]
            ids = {s.item_id for s in slots if s.item_id is not None}
            items = {i.id: i for i in repo.list_items(session, state=None, ids=ids)} if ids else {}
        minutes = planner.week_minutes(around, tz)
        return CalendarView(p, begins, end, now, slots, items, log, minutes)

    def _slot_action(self, slot_id: str, act: Callable[[Slot, Schedule, datetime], Slot]) -> Slot:
        now = self.now()
        with self.db.session() as session:
            slot = slot_store.get_slot(session, slot_id)
            profile = self.settings.profile(slot.profile)
            updated = act(slot, profile.schedule, now)
            if updated != slot:
                slot_store.save_slots(session, [updated], planner.zone(profile.timezone), now)
        return updated

    def comment_slot(self, slot_id: str, text: str) -> Slot:
        """Write the user's comment on a slot; a relay slot is ready once it is long enough."""
        return self._slot_action(
            slot_id, lambda s, sch, now: planner.comment_slot(s, text, sch, now)
        )

    def pin_slot(self, slot_id: str, *, pinned: bool = True) -> Slot:
        return self._slot_action(slot_id, lambda s, _, now: planner.pin_slot(s, now, pinned=pinned))

    def slot_done(
        self,
        slot_id: str,
        *,
        url: str | None = None,
        minutes: int | None = None,
        force: bool = False,
    ) -> Slot:
        """Record that a slot was published now (and where), and the minutes it took (default:
        the slot's estimate). A relay without its comment, or an empty slot, is refused unless
        `force` (issue 15).

        Raises:
            InvalidAction: refused (the reason says why), or already published.
            NotFound: no such slot.
        """
        from curator import results
        from curator.outputs.words import profile_language
        from curator.store import results as results_store

        if minutes is not None and minutes <= 0:
            raise InvalidAction(
                Message(
                    N_("--minutes must be a positive number of minutes, got {minutes}"),
                    minutes=minutes,
                )
            )
        now = self.now()
        with self.db.session() as session:
            slot = slot_store.get_slot(session, slot_id)
            profile = self.settings.profile(slot.profile)
            # the command's own input first (already published, not a web address), then
            # whether the slot may be published at all
            updated = planner.mark_done(slot, now, url=url)
            refusal = results.publish_refusal(
                slot, profile.schedule.min_comment_chars, profile_language(profile)
            )
            if refusal is not None and not force:
                raise InvalidAction(refusal)
            slot_store.save_slots(session, [updated], planner.zone(profile.timezone), now)
            item, score = None, None
            if updated.item_id is not None:
                found = slot_store.items_with_scores(session, profile.name, [updated.item_id])
                item, score = found[0] if found else (None, None)
            post = results.Post(
                slot_id=updated.id,
                profile=profile.name,
                kind=updated.kind,
                published_at=updated.published_at or now,
                minutes=minutes if minutes is not None else updated.minutes,
                url=updated.published_url,
                title=item.title if item is not None else updated.topic,
                source=item.feed_name if item is not None else None,
                topics=tuple(t.text for t in score.matched) if score else (),
            )
            results_store.save_post(session, post, now)
            results_store.set_item(session, updated.id, updated.item_id)
        return updated

    def skip_slot(self, slot_id: str) -> Slot:
        """Skip a slot; its item is planned again at the next free fitting slot."""
        slot = self._slot_action(slot_id, lambda s, _, now: planner.skip_slot(s, now))
        self.plan(slot.profile, starters=False)
        return slot

    def slots_around(self, days: int = 7) -> list[Slot]:
        """Every profile's live slots from `days` ago on (shell completion of slot ids)."""
        since = self.now() - timedelta(days=days)
        with self.db.reading() as session:
            return [
                s
                for p in self.settings.profiles
                for s in slot_store.list_slots(session, p.name, since=since)
            ]

    def get_slot(self, slot_id: str) -> Slot:
        with self.db.reading() as session:
            return slot_store.get_slot(session, slot_id)

    def slot_detail(self, slot_id: str) -> tuple[Slot, Item | None, Profile]:
        """A slot, the item it relays (if any) and its profile: `curator slot show`."""
        with self.db.reading() as session:
            slot = slot_store.get_slot(session, slot_id)
            found = repo.list_items(session, state=None, ids={slot.item_id}) if slot.item_id else []
        return slot, (found[0] if found else None), self.settings.profile(slot.profile)

    def _plan_stage(self) -> tuple[str, dict[str, Any]]:
        report = self.plan()
        notes = [n for p in report.plans for n in p.notes]
        return report.summary(), {"notes": notes}


_THEME_WINDOW = timedelta(days=14)  # "recent" high-scoring themes for original posts


def _titles(session: Any, scores: list[Score]) -> dict[int, str]:
    ids = [s.item_id for s in scores]
    return {i.id: i.title for i in repo.list_items(session, state=None, ids=ids)} if ids else {}


def _candidate(item: Item, score: Score | None, comment: str | None) -> planner.Candidate:
    usable = score is not None and not score.blocked
    return planner.Candidate(
        item_id=item.id,
        score=score.final if score is not None and usable else 0.0,
        feed_id=item.feed_id,
        cluster_id=item.cluster_id,
        reference_at=item.published_at or item.fetched_at,
        comment=comment,
        topics=tuple(t.text.casefold() for t in score.matched)[:3] if score is not None else (),
    )


def _starters(
    profile: Profile, items: dict[int, tuple[Item, Score | None]]
) -> Callable[[int], str | None]:
    """Comment starters: the scorer's key sentences and matched terms for an item.

    The scorer (numpy and scipy: a third of a second to import) is loaded by the first
    starter asked for, not here: a re-plan builds this for every approved item but seldom places
    a new one."""

    def starter(item_id: int) -> str | None:
        from curator import score as scoring

        item, _ = items[item_id]
        sentences = scoring.key_sentences(profile, item, 2)
        terms = scoring.matched_terms(profile, item)
        language = profile.language if profile.language in ("fr", "en") else item.language
        return planner.comment_starter(sentences, terms, language=language or "en")

    return starter
