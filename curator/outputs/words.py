"""Calendar words shared by the renderers (digest email, .ics, the CLI's week grid), so all of
them speak alike, and the one rule that picks a profile's language for them."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from curator import i18n
from curator.i18n import N_
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


@functools.cache
def grid_words_in(language: str) -> GridWords:
    """The grid's words in `language`, through the catalog (issue 16)."""
    t = i18n.language(language)
    _ = t.gettext
    return GridWords(
        language=t.code,
        zone=_("times in {zone}"),
        week=_("Week of {monday} — {minutes}{budget} minutes planned"),
        day=_("day"),
        time=_("time"),
        status=_("status"),
        what=_("what"),
        slot_id=_("slot id"),
        where=_("where"),
        empty=_("empty"),
        comment_needed=_("comment needed"),
        to_write=_("to write"),
        ready=_("ready"),
        published=_("published"),
        skipped=_("skipped"),
        missed=_("missed"),
        colon=t.colon,
        relay=_("Relay"),
        your_post=_("Your post"),
        starter=_("starter"),
        # The singular and the plural form (French: 0 and 1 are singular).
        need_comment_one=t.ngettext(
            "{n} relay slot needs your comment", "{n} relay slots need your comment", 1
        ),
        need_comment_many=t.ngettext(
            "{n} relay slot needs your comment", "{n} relay slots need your comment", 2
        ),
        empty_one=t.ngettext("{n} empty slot", "{n} empty slots", 1),
        empty_many=t.ngettext("{n} empty slot", "{n} empty slots", 2),
        approve_hint=_("approve items in the review queue"),
        log_title=_("Results log — {profile}"),
        log_columns=(
            t.pgettext("results log column", "week of"),
            t.pgettext("results log column", "published"),
            t.pgettext("results log column", "relays"),
            t.pgettext("results log column", "originals"),
            t.pgettext("results log column", "skipped"),
            t.pgettext("results log column", "missed"),
            t.pgettext("results log column", "minutes"),
        ),
        nothing_published=_("Nothing published yet: `curator slot done ID` records a publication."),
        published_title=_("Published"),
        when=_("when"),
        link=_("link"),
        source=_("source"),
        your_comment=_("your comment"),
        paste=_("ready to paste"),
        share=_("share on LinkedIn"),
        topic=_("topic"),
        why_empty=_("why empty"),
    )


def grid_words(profile: Profile) -> GridWords:
    return grid_words_in(profile_language(profile))


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
        (r"^cannot resolve (?P<host>.+?): ", "nom de domaine introuvable\u00a0: {host}"),
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


# The errors curator.ingest writes as Messages (parse.py, discover.py, service.py): a feed keeps
# their English in its last_error, read back in its reader's language through the catalog.
STORED_FEED_ERRORS = (
    N_("empty body: the server sent no feed"),
    N_("the feed parser failed: {kind}: {error}"),
    N_("JSON feed is not UTF-8: {error}"),
    N_("malformed JSON at line {line}: {error}"),
    N_("JSON nested too deeply"),
    N_("a JSON document but not a JSON Feed (no jsonfeed.org version)"),
    N_("cannot fetch"),
    N_("entity declarations are not allowed in OPML"),
    N_("not a readable OPML file: {error}"),
    N_("not an OPML document (root element is not <opml>)"),
    N_("no feed in this OPML file (no <outline> with an xmlUrl)"),
)


# The errors curator.outputs.smtp writes as Messages: a digest keeps their English in its
# last_error, read back in its reader's language like a feed's.
STORED_DIGEST_ERRORS = (
    N_("cannot reach {host}:{port}: {error}"),
    N_("{host} does not offer STARTTLS; set smtp.security"),
    N_("smtp.user is set but CURATOR_SMTP_PASSWORD is not"),
    N_("connection lost during DATA, the server may have accepted the message: {error}"),
    N_("{step} failed: {error}"),
)


def explain_digest_error(error: str, language: str) -> str:
    """A digest's stored error for a reader of `language` (a server's own reply stays as sent)."""
    said = i18n.read_stored(error, STORED_DIGEST_ERRORS, i18n.language(language))
    return error if said is None else said


def explain_feed_error(error: str, language: str) -> str:
    """A feed's error (or the reason it was disabled) for a reader of `language`."""
    if language != "fr":
        return error
    from_catalog = i18n.read_stored(error, STORED_FEED_ERRORS, i18n.language(language))
    if from_catalog is not None:
        return from_catalog
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
