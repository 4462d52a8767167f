"""Calendar words shared by the renderers (digest email, .ics, the CLI's week grid), so all of
them speak alike, and the one rule that picks a profile's language for them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from curator import i18n
from curator.types import Profile

_SPACES = re.compile(r"\s+")
# Format characters that are part of how text is written, not hidden instructions: the joiners
# (emoji sequences such as 👩‍💻, Persian and Indic scripts) and the tags of subdivision flags.
_WRITTEN = frozenset("\t\n\r\u200c\u200d") | frozenset(map(chr, range(0xE0020, 0xE0080)))


def one_line(text: str) -> str:
    """A title, name or reason as one line: control, format (bidi overrides, zero-width
    spaces...), private-use and unassigned characters (Unicode category C) dropped except the
    joiners and flag tags, all whitespace (line breaks included) one space."""
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in _WRITTEN)
    return _SPACES.sub(" ", text).strip()


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters: cut at a word boundary in the second half when there is one,
    trailing punctuation dropped, and the cut marked with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-–—") + "…"


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
    # `curator slot show` and the grid's publishing help (issue 16)
    link: str = "link"
    source: str = "source"
    your_comment: str = "your comment"
    paste: str = "ready to paste"
    share: str = "share on LinkedIn"
    topic: str = "topic"
    why_empty: str = "why empty"

    # Dates through Babel (CLDR): French abbreviations take a period ("lun.", "déc."), "mai" and
    # "juin" stay whole.
    def day_short(self, day: date) -> str:
        """ "Mon 07" / "lun. 07"."""
        return i18n.language(self.language).format_date(day, "EEE dd")

    def date_short(self, day: date) -> str:
        """ "07 Dec 2026" / "07 déc. 2026"."""
        return i18n.language(self.language).format_date(day, "dd MMM y")

    def date_long(self, day: date) -> str:
        """ "Mon 07 Dec 2026" / "lun. 07 déc. 2026"."""
        return i18n.language(self.language).format_date(day, "EEE dd MMM y")

    def moment(self, local: datetime) -> str:
        """ "Mon 07 Dec 08:30" / "lun. 07 déc. 08:30"."""
        return i18n.language(self.language).format_datetime(local, "EEE dd MMM HH:mm")


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
    link="lien",
    source="source",
    your_comment="votre commentaire",
    paste="prêt à coller",
    share="partager sur LinkedIn",
    topic="sujet",
    why_empty="pourquoi vide",
)


def grid_words(profile: Profile) -> GridWords:
    return GRID_FR if profile_language(profile) == "fr" else GRID_EN


# Why a feed fails, for a French reader: the usual errors (as curator.ingest words them) get a
# plain-French reading; the technical part stays in parentheses, unknown ones stay as they are.
_FR_FEED_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), template)
    for pattern, template in (
        (r"^HTTP (?P<code>404|410)\b", "le flux n’existe plus à cette adresse (HTTP {code})"),
        (r"^HTTP (?P<code>401|403)\b", "le site refuse l’accès (HTTP {code})"),
        (r"^HTTP (?P<code>429)\b", "le site demande de ralentir (HTTP {code})"),
        (r"^HTTP (?P<code>5\d\d)\b", "le site est en panne (HTTP {code})"),
        (r"^HTTP (?P<code>\d+)", "réponse inattendue du site (HTTP {code})"),
        (r"^cannot connect: (?P<detail>.*)", "impossible de joindre le site ({detail})"),
        (r"^cannot resolve (?P<host>\S+):", "nom de domaine introuvable\u00a0: {host}"),
        (r"^timed out", "le site ne répond pas à temps"),
        (r"^connection reset by the server", "le site a coupé la connexion"),
        (r"^the server closed the connection", "le site a fermé la connexion avant de répondre"),
        (r"^connection (?:broken|aborted|closed)", "la connexion a été interrompue"),
        (r"^TLS [^(]*\((?P<detail>.*)\)$", "connexion sécurisée refusée ({detail})"),
        (r"^(?:network|protocol) error: (?P<detail>.*)", "erreur réseau ({detail})"),
        (r"^body larger than (?P<size>\d+) bytes",
         "document trop volumineux (plus de {size}\u00a0octets)"),
        (r"^redirect loop", "les redirections du site tournent en rond"),
        (r"^empty body", "le site a envoyé une réponse vide"),
        (r"^this is an HTML page, not a feed",
         "c’est une page web, pas un flux (curator feeds add trouve le flux d’un site)"),
        (r"^malformed XML at line (?P<line>\d+)", "flux illisible (XML mal formé, ligne {line})"),
        (r"^no RSS, Atom or JSON Feed found", "aucun flux RSS, Atom ou JSON Feed dans la réponse"),
        (r"^gone since (?P<date>[\d-]+)", "supprimé par le site depuis le {date} (HTTP 410)"),
        (r"^refused non-public address", "adresse privée refusée (fetch.allow_private_addresses)"),
        (r"^refused a redirect from a public address to the private address (?P<address>\S+)",
         "redirection d’une adresse publique vers l’adresse privée {address} refusée"),
    )
)  # fmt: skip
_FR_DISABLED = re.compile(
    r"^failing since (?P<since>.+?) \((?P<count>\d+) errors\); last: (?P<last>.*)$", re.S
)


def explain_feed_error(error: str, language: str) -> str:
    """A feed's error (or the reason it was disabled) for a reader of `language`."""
    if language != "fr":
        return error
    disabled = _FR_DISABLED.match(error)
    if disabled:
        return (
            f"en échec depuis le {disabled['since']} ({disabled['count']}\u00a0erreurs)\u00a0; "
            f"dernière\u00a0: {explain_feed_error(disabled['last'], language)}"
        )
    for pattern, template in _FR_FEED_ERRORS:
        found = pattern.match(error)
        if found:
            return template.format(**found.groupdict())
    return error


_NOT_IN_A_LINK = re.compile(r'[\s\x00-\x1f\x7f<>"]')


def is_web_url(url: str) -> bool:
    """An http(s) URL with a host that fits its column (2048), without space, control
    character or `<>"`: safe as a link in every output (the .ics, the digest, a published
    post's address; issue 13). Never `javascript:` or `data:`."""
    match = re.match(r"(?i)https?://([^/?#]+)", url)
    return (
        match is not None
        and len(url) <= 2048
        and not _NOT_IN_A_LINK.search(url)
        and bool(match.group(1).rpartition("@")[2])
    )
