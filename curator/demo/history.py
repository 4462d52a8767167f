"""The demo's past: six weeks of published posts with their time and results (issue 15), so that
`curator results` and the first digest of the week show a real weekly review.

Deterministic: the same profiles and day give the same history. The figures are made up but
shaped like a real account: originals earn more per hour than relays, one source's relays earn
nothing, and the time spent runs a little over the budget, so each piece of advice shows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from curator import plan as planner
from curator.app import Curator
from curator.results import ActiveSpan, Post
from curator.store import results as results_store
from curator.store import slots as slot_store
from curator.types import Profile, Slot, SlotKind, SlotStatus

WEEKS = 6

_TOPICS = {
    "fr": ("recrutement", "data", "marque employeur", "développeurs", "entretiens"),
    "en": ("outbound", "social selling", "prospecting", "SaaS founders", "pipeline"),
}
_ORIGINALS = {
    "fr": (
        "Ce que trois ans de recrutements data m'ont appris",
        "Pourquoi je ne publie plus d'offres sans fourchette de salaire",
        "Un entretien technique qui respecte le candidat",
        "Les PME ont un avantage sur les grands groupes : la vitesse",
        "Ma checklist avant de relancer un candidat",
        "Ce que les développeurs lisent vraiment dans une offre",
    ),
    "en": (
        "What 200 cold emails taught me about first lines",
        "Why I stopped pitching in the first message",
        "The follow-up nobody sends (and should)",
        "Three signals a SaaS lead is ready to talk",
        "How I plan a week of social selling in 30 minutes",
        "The discovery call question that changed my pipeline",
    ),
}
_RELAY_TITLE = {"fr": "Relais d'un article de {source}", "en": "Relay of a {source} article"}
_COMMENT = {
    "fr": "Mon commentaire sur cet article, écrit pour mon réseau : ce que j'en retiens.",
    "en": "My comment on this article, written for my network: what I take from it.",
}


def add_sample_history(app: Curator, now: datetime) -> int:
    """Store six past weeks of published slots with results for every profile; returns how
    many posts were stored."""
    from curator.outputs.words import profile_language

    sources = [f.name or f.url for f in app.settings.feeds]
    count = 0
    for p_index, profile in enumerate(app.settings.profiles):
        lang = profile_language(profile)
        mine = sources[p_index * 3 : p_index * 3 + 3] or sources[:3] or ["?"]
        with app.db.session() as session:
            count += _profile_history(session, profile, lang, mine, now)
    return count


def _profile_history(
    session: Session, profile: Profile, lang: str, sources: list[str], now: datetime
) -> int:
    tz = planner.zone(profile.timezone)
    this_monday = planner.local_week(now, tz)
    schedule = profile.schedule
    n = 0
    for week in range(WEEKS, 0, -1):
        monday = this_monday - timedelta(weeks=week)
        # the review sessions curator measured that week: 25 minutes on Monday morning
        review_at = planner.resolve_local(monday, datetime(2000, 1, 1, 7, 45).time(), tz)
        results_store.add_span(session, ActiveSpan(profile.name, "review", review_at, 25 * 60))
        for rule in schedule.slots:
            day = monday + timedelta(days=rule.weekday)
            at = planner.resolve_local(day, rule.time, tz)
            relay = rule.kind is SlotKind.RELAY
            source = sources[n % len(sources)] if relay else None
            topic = _TOPICS.get(lang, _TOPICS["en"])[n % 5]
            title = (
                _RELAY_TITLE.get(lang, _RELAY_TITLE["en"]).format(source=source)
                if relay
                else _ORIGINALS.get(lang, _ORIGINALS["en"])[week % 6]
            )
            slot = Slot(
                id=planner.slot_id(profile.name, day, rule),
                profile=profile.name,
                starts_at=at,
                kind=rule.kind,
                status=SlotStatus.PUBLISHED,
                topic=None if relay else title,
                comment=_COMMENT.get(lang, _COMMENT["en"]) if relay else None,
                minutes=schedule.relay_minutes if relay else schedule.original_minutes,
                published_at=at + timedelta(minutes=10),
                published_url=f"https://www.linkedin.com/feed/update/urn:li:activity:{7000 + n}"
                f"-{profile.name}",
                updated_at=at,
            )
            slot_store.save_slots(session, [slot], tz, at)
            results_store.save_post(
                session,
                Post(
                    slot_id=slot.id,
                    profile=profile.name,
                    kind=rule.kind,
                    published_at=at + timedelta(minutes=10),
                    # what the user reported: relays take a little longer than estimated
                    minutes=(schedule.relay_minutes + 10) if relay else schedule.original_minutes,
                    url=slot.published_url,
                    title=title,
                    source=source,
                    topics=(topic,),
                ),
                at,
            )
            results_store.set_results(
                session,
                slot.id,
                _figures(relay, source == sources[-1] and len(sources) > 1, n, week),
                at + timedelta(days=2),
                origin="demo",
            )
            n += 1
    return n


def _figures(relay: bool, silent_source: bool, n: int, week: int) -> dict[str, int | None]:
    if relay and silent_source:
        return {"reactions": 0, "comments": 0, "reposts": 0}
    if relay:
        return {"reactions": 6 + n % 5, "comments": 1 + n % 2, "reposts": 1 if n % 3 == 0 else 0}
    return {
        "reactions": 24 + (n * 7) % 15,
        "comments": 4 + n % 4,
        "reposts": 1 + n % 2,
        "contacts": 1 + week % 2,
        "conversations": week % 2,
        "meetings": 1 if week in (2, 5) else 0,
    }
