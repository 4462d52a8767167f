"""Calendar words shared by the renderers (digest email, .ics, the CLI's week grid), so all of
them speak alike, and the one rule that picks a profile's language for them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from curator.types import Profile

FR_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
# The usual French abbreviations (Imprimerie nationale): "mai" and "juin" stay whole.
FR_SHORT_MONTHS = (
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
)
FR_SHORT_WEEKDAYS = ("lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim.")
EN_SHORT_MONTHS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
EN_SHORT_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# French typography puts a space before ":" (and ; ! ?); a no-break one keeps the sign on the
# line of the word it belongs to.
FR_COLON = "\u00a0:"

_WORD = re.compile(r"[^\W\d_]+")
# Function words only: enough to tell a French objective from an English one without a model.
_FRENCH_HINTS = frozenset(
    _WORD.findall(
        "le la les des du de un une et pour dans sur avec en au aux est sont ce cette ces qui que "
        "mon ma mes nos notre votre vos je nous vous être où ou mais par chez entre sans vers"
    )
)
_ENGLISH_HINTS = frozenset(
    _WORD.findall(
        "the and for of to in with on an is are this that these my our your we you be where or "
        "but by about a at from into who without"
    )
)


def text_language(text: str) -> str:
    """ "fr" or "en" for a sentence or two (an objective), from function words and accents."""
    words = [w.lower() for w in _WORD.findall(text)]
    french = sum(w in _FRENCH_HINTS for w in words)
    french += sum(ch in "éèêàçùôîâœ" for ch in text.lower())
    english = sum(w in _ENGLISH_HINTS for w in words)
    return "fr" if french > english else "en"


def profile_language(profile: Profile) -> str:
    """Return "fr" or "en": the profile's language, or for "auto" a guess from the objective.

    The digest, the .ics export and the `curator calendar` grid all use it, so they never
    disagree."""
    if profile.language in ("fr", "en"):
        return profile.language
    return text_language(profile.objective)


@dataclass(frozen=True, slots=True)
class GridWords:
    """The words of the `curator calendar` week grid and results log in one language."""

    language: str
    zone: str
    week: str
    day: str
    time: str
    status: str
    what: str
    slot_id: str
    where: str
    empty: str
    comment_needed: str
    to_write: str
    ready: str
    published: str
    skipped: str
    missed: str
    colon: str
    relay: str
    your_post: str
    starter: str
    need_comment_one: str
    need_comment_many: str
    empty_one: str
    empty_many: str
    approve_hint: str
    log_title: str
    log_columns: tuple[str, ...]
    nothing_published: str
    published_title: str
    when: str
    weekdays: tuple[str, ...]
    months: tuple[str, ...]

    def day_short(self, day: date) -> str:
        """ "Mon 07" / "lun. 07"."""
        return f"{self.weekdays[day.weekday()]} {day:%d}"

    def date_short(self, day: date) -> str:
        """ "07 Dec 2026" / "07 déc. 2026"."""
        return f"{day:%d} {self.months[day.month - 1]} {day.year}"

    def date_long(self, day: date) -> str:
        """ "Mon 07 Dec 2026" / "lun. 07 déc. 2026"."""
        return f"{self.weekdays[day.weekday()]} {self.date_short(day)}"

    def moment(self, local: datetime) -> str:
        """ "Mon 07 Dec 08:30" / "lun. 07 déc. 08:30"."""
        month = self.months[local.month - 1]
        return f"{self.weekdays[local.weekday()]} {local:%d} {month} {local:%H:%M}"


GRID_EN = GridWords(
    language="en",
    zone="times in {zone}",
    week="Week of {monday} — {minutes}{budget} minutes planned",
    day="day",
    time="time",
    status="status",
    what="what",
    slot_id="slot id",
    where="where",
    empty="empty",
    comment_needed="comment needed",
    to_write="to write",
    ready="ready",
    published="published",
    skipped="skipped",
    missed="missed",
    colon=":",
    relay="Relay",
    your_post="Your post",
    starter="starter",
    need_comment_one="{n} relay slot(s) need your comment",
    need_comment_many="{n} relay slot(s) need your comment",
    empty_one="{n} empty slot(s)",
    empty_many="{n} empty slot(s)",
    approve_hint="approve items in the review queue",
    log_title="Results log — {profile}",
    log_columns=("week of", "published", "relays", "originals", "skipped", "missed", "minutes"),
    nothing_published="Nothing published yet: `curator slot done ID` records a publication.",
    published_title="Published",
    when="when",
    weekdays=EN_SHORT_WEEKDAYS,
    months=EN_SHORT_MONTHS,
)

GRID_FR = GridWords(
    language="fr",
    zone="heures de {zone}",
    week="Semaine du {monday} — {minutes}{budget} minutes prévues",
    day="jour",
    time="heure",
    status="statut",
    what="quoi",
    slot_id="id du créneau",
    where="où",
    empty="vide",
    comment_needed="à commenter",
    to_write="à rédiger",
    ready="prêt",
    published="publié",
    skipped="ignoré",
    missed="manqué",
    colon=FR_COLON,
    relay="Relais",
    your_post="Votre post",
    starter="amorce",
    need_comment_one="{n} relais attend votre commentaire",
    need_comment_many="{n} relais attendent votre commentaire",
    empty_one="{n} créneau vide",
    empty_many="{n} créneaux vides",
    approve_hint="approuvez des articles dans la file de revue",
    log_title="Journal des résultats — {profile}",
    log_columns=(
        "semaine du",
        "publiés",
        "relais",
        "originaux",
        "ignorés",
        "manqués",
        "minutes",
    ),
    nothing_published=(
        "Rien de publié pour l'instant" + FR_COLON + " `curator slot done ID` enregistre une "
        "publication."
    ),
    published_title="Publié",
    when="quand",
    weekdays=FR_SHORT_WEEKDAYS,
    months=FR_SHORT_MONTHS,
)


def grid_words(profile: Profile) -> GridWords:
    return GRID_FR if profile_language(profile) == "fr" else GRID_EN
