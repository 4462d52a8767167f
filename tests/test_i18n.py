"""The catalogs (issue 16): every marked string translated, the shipped .mo matching its .po,
and the language rules of curator.i18n."""

from __future__ import annotations

import gettext
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from curator import i18n

ROOT = Path(__file__).resolve().parents[1]
LC_MESSAGES = ROOT / "curator" / "locale" / "fr" / "LC_MESSAGES"
PO = LC_MESSAGES / "curator.po"
MO = PO.with_suffix(".mo")
#: Each domain: where `make extract-messages` reads its messages, and with which mapping.
DOMAINS = {
    "curator": (ROOT, ROOT / "babel.cfg"),
    "web": (ROOT / "curator" / "web", ROOT / "curator" / "web" / "babel.cfg"),
}


def _catalog(domain: str = "curator"):  # type: ignore[no-untyped-def]
    with (LC_MESSAGES / f"{domain}.po").open("rb") as f:
        return read_po(f, locale="fr", domain=domain)


def _source_messages(domain: str = "curator") -> dict[tuple[str, str | None], set[str]]:
    """What `make extract-messages` extracts today: (msgid, context) -> where."""
    directory, mapping = DOMAINS[domain]
    with mapping.open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[tuple[str, str | None], set[str]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        directory, method_map, options_map
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault((msgid, context), set()).add(f"{filename}:{lineno}")
    return found


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_every_marked_string_has_a_french_translation(domain: str) -> None:
    catalog = _catalog(domain)
    missing, fuzzy, empty = [], [], []
    for (msgid, context), where in sorted(_source_messages(domain).items(), key=str):
        message = catalog.get(msgid, context=context)
        if message is None:
            missing.append(f"{msgid!r} ({', '.join(sorted(where))})")
        elif message.fuzzy:
            fuzzy.append(msgid)
        elif not all(message.string) if isinstance(message.string, tuple) else not message.string:
            empty.append(msgid)
    assert not missing, "not in the French catalog (make update-catalogs):\n" + "\n".join(missing)
    assert not fuzzy, f"fuzzy in the French catalog: {fuzzy}"
    assert not empty, f"untranslated in the French catalog: {empty}"


@pytest.mark.parametrize("domain", ["curator", "web", "click"])
def test_the_compiled_catalog_matches_its_source(domain: str) -> None:
    catalog = _catalog(domain)
    po = LC_MESSAGES / f"{domain}.po"
    mo = po.with_suffix(".mo")
    with mo.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            strings = message.string
            assert compiled.ngettext(singular, plural, 1) == strings[0], "make compile-catalogs"
            assert compiled.ngettext(singular, plural, 2) == strings[1], "make compile-catalogs"
        elif message.context:
            assert compiled.pgettext(message.context, message.id) == message.string, (
                f"{mo.name} is older than {po.name} for {message.id!r}: make compile-catalogs"
            )
        else:
            assert compiled.gettext(message.id) == message.string, (
                f"{mo.name} is older than {po.name} for {message.id!r}: make compile-catalogs"
            )
    if domain == "curator":  # French: zero is singular (the catalog's Plural-Forms)
        assert compiled.ngettext("{n} error", "{n} errors", 0) == "{n} erreur"


def test_translations_fall_back_to_the_source_strings() -> None:
    assert isinstance(i18n.translations("fr"), gettext.GNUTranslations)
    assert i18n.translations("fr_FR.UTF-8").gettext("errors") == "erreurs"
    assert type(i18n.translations("de")) is gettext.NullTranslations
    assert i18n.translations("de").gettext("empty") == "empty"
    assert i18n.translations("fr", "web") is not None  # another domain: no catalog, no error


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "en_GB.UTF-8", "LC_MESSAGES": "fr_CA.UTF-8"}, "fr"),
        ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "", "LANG": "fr"}, "fr"),
        ({"LC_ALL": "POSIX", "LANG": "fr_FR.UTF-8"}, "en"),
    ],
)
def test_commands_about_no_profile_speak_the_locale(environ: dict[str, str], expected: str) -> None:
    assert i18n.environment_language(environ) == expected
    assert i18n.locale_language(environ).code == expected


def test_dates_numbers_and_plurals_through_babel() -> None:
    fr, en = i18n.language("fr"), i18n.language("en")
    day = date(2026, 12, 7)
    assert fr.format_date(day, "EEE d MMM") == "lun. 7 déc."
    assert en.format_date(day, "EEE d MMM") == "Mon 7 Dec"
    assert fr.format_date(date(2026, 6, 1), "EEEE d MMMM y") == "lundi 1 juin 2026"
    moment = datetime(2026, 3, 29, 9, 5, tzinfo=ZoneInfo("Europe/Paris"))
    assert fr.format_datetime(moment, "EEE d MMM HH:mm") == "dim. 29 mars 09:05"
    assert fr.format_decimal(0.756) == "0,76"
    assert en.format_decimal(0.756) == "0.76"
    assert fr.ngettext("{n} error", "{n} errors", 0) == "{n} erreur"
    assert fr.ngettext("{n} error", "{n} errors", 2) == "{n} erreurs"
    assert en.ngettext("{n} error", "{n} errors", 0) == "{n} errors"
    assert i18n.language("de").code == "en"


STATUS_REPORT = {
    "now": "2026-12-07T08:30:00+00:00",
    "database": "sqlite:///curator.db",
    "jobs": {
        "fetch": {"status": "failed", "started_at": "2026-12-07T08:00:00+00:00",
                  "detail": {"error": "disk full"}},
    },
    "feeds": 3,
    "failing_feeds": [
        {"name": "Emploi Tech", "status": "active", "errors": 2, "last_error": "HTTP 500"},
    ],
    "profiles": {
        "claire": {
            "queue": 0,
            "next_slots": [
                {"start": "2026-12-08T09:00:00+01:00", "kind": "relay", "status": "planned"},
            ],
            "last_digest": {"day": "2026-12-07", "state": "sent", "last_error": None},
        },
    },
}  # fmt: skip


def _english_left(text: str) -> list[str]:
    """The catalog's English texts (longer than a word) still to be read in a French text."""
    catalog = _catalog()
    left = []
    for message in catalog:
        if isinstance(message.id, str) and message.string != message.id:
            fixed = message.id.split("{")[0].strip()
            if len(fixed) > 6 and fixed in text:
                left.append(fixed)
    return left


def test_status_speaks_the_locale_and_mixes_nothing() -> None:
    from curator.cli.serve import status_lines

    english = "\n".join(status_lines(STATUS_REPORT, i18n.language("en")))
    assert "curator status at Mon 07 Dec 2026 08:30 UTC" in english
    assert "Emploi Tech [active, 2 errors]: HTTP 500" in english
    assert "Profile claire: 0 items waiting" in english
    french = "\n".join(status_lines(STATUS_REPORT, i18n.language("fr")))
    assert "état de curator au lun. 07 déc. 2026 08:30 UTC" in french
    assert "Emploi Tech [actif, 2 erreurs]\u00a0: HTTP 500" in french
    assert "Profil claire\u00a0: 0 article en attente" in french  # French: zero is singular
    assert "mar. 08 déc. 2026 09:00  relais" in french and "prévu" in french
    assert "dernier digest\u00a0: 2026-12-07 envoyé" in french
    assert _english_left(french) == []
    assert status_lines(STATUS_REPORT, i18n.locale_language({"LANG": "fr_FR.UTF-8"})) == (
        french.splitlines()
    )


# --- the command line's own words (issue 16) -----------------------------------------------------


def _locale(lang: str) -> dict[str, str | None]:
    """The environment of a user whose locale is `lang` (the suite pins LC_MESSAGES)."""
    return {"LANG": lang, "LC_ALL": None, "LC_MESSAGES": None, "LANGUAGE": None}


@pytest.mark.parametrize(
    ("lang", "present", "absent"),
    [
        (
            "fr_FR.UTF-8",
            [
                "Usage :",
                "Afficher ce message et quitter.",
                "Afficher la version et quitter.",  # click's own text, from its catalog
                "Trier ce que publie votre domaine",
            ],
            ["Show this message and exit.", "Curate what your field publishes"],
        ),
        (
            "en_GB.UTF-8",
            [
                "Usage:",
                "Show this message and exit.",
                "Show the version and exit.",
                "Curate what your field publishes",
            ],
            ["Afficher ce message", "Afficher la version", "Trier ce que publie"],
        ),
    ],
)
def test_help_follows_the_locale(lang: str, present: list[str], absent: list[str]) -> None:
    from click.testing import CliRunner

    from curator.cli import cli

    runner = CliRunner()
    # French then the asked language: each run translates from the English texts again
    runner.invoke(cli, ["--help"], env=_locale("fr_FR.UTF-8"))
    out = runner.invoke(cli, ["--help"], env=_locale(lang)).output
    assert all(p in out for p in present), out
    assert not any(a in out for a in absent), out
    option = runner.invoke(cli, ["queue", "approve", "--help"], env=_locale(lang)).output
    said = "Le profil qui décide" if lang.startswith("fr") else "The profile deciding"
    assert said in option


def test_usage_errors_follow_the_locale() -> None:
    from click.testing import CliRunner

    from curator.cli import cli

    runner = CliRunner()
    french = runner.invoke(cli, ["queue", "approve", "--bogus"], env=_locale("fr_FR.UTF-8"))
    assert french.exit_code == 2 and "Erreur : Option inconnue : '--bogus'." in french.output
    english = runner.invoke(cli, ["queue", "approve", "--bogus"], env=_locale("C.UTF-8"))
    assert "Error: No such option '--bogus'." in english.output


def test_every_help_text_has_a_french_translation() -> None:
    """What --help shows is in the catalog: the extraction of curator/babel_click.py and the
    texts click holds at run time agree (a docstring click reads otherwise would stay English)."""
    import inspect

    import click

    from curator.cli import cli

    catalog = _catalog()
    with (PO.parent / "click.po").open("rb") as f:
        click_catalog = read_po(f, locale="fr", domain="click")
    missing = []

    def walk(command: click.Command) -> None:
        for target in [command, *command.params]:
            for field in ("help", "short_help", "epilog"):
                text = target.__dict__.get("_english_help", {}).get(
                    field, getattr(target, field, None)
                )
                if isinstance(text, str) and text:
                    msgid = inspect.cleandoc(text).partition("\f")[0]
                    message = catalog.get(msgid) or click_catalog.get(msgid)
                    if message is None or not message.string:
                        missing.append(msgid)
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                walk(sub)

    walk(cli)
    assert not missing, missing


def test_lazy_messages_are_english_strings_said_in_the_readers_language() -> None:
    from curator.errors import ConfigError, InvalidAction, NotFound
    from curator.i18n import N_, Message, Plural, joined

    refusal = Message(
        N_("slot {id} is {status}: it no longer moves"), id="s1", status=Message("published")
    )
    assert refusal == "slot s1 is published: it no longer moves"  # what --json and logs keep
    french = i18n.language("fr")
    assert french.say(refusal) == "le créneau s1 est publié : il ne bouge plus"
    scored = Plural("{n} item scored", "{n} items scored", 0, n=0)
    assert scored == "0 items scored" and french.say(scored) == "0 article scoré"  # 0 is singular
    both = joined("; ", [scored, "plain text"])
    assert french.say(both) == "0 article scoré; plain text"
    hint = Message(N_("`curator calendar` shows each slot's id"))
    assert french.say_error(NotFound("slot", "x", hint)) == (
        "créneau 'x' introuvable (`curator calendar` montre l'identifiant de chaque créneau)"
    )
    assert (
        str(NotFound("slot", "x", hint)) == "no slot 'x' (`curator calendar` shows each slot's id)"
    )
    config = ConfigError(Message(N_("no profile in {path}: add one under `profiles:`"), path="f"))
    assert french.say_error(config) == "aucun profil dans f : ajoutez-en un sous `profiles:`"
    assert french.say_error(InvalidAction("written in English only")) == "written in English only"


def test_lazy_messages_survive_pickling() -> None:
    """A job's summary comes back from the process that ran it (`curator serve`), pickled."""
    import pickle

    feeds = i18n.Plural(i18n.N_("{n} feed"), i18n.N_("{n} feeds"), 2, n=2)
    message = i18n.Message(i18n.N_("{what}: {url}"), what=feeds, url="https://x.org/{id}")
    back = pickle.loads(pickle.dumps(message))
    assert type(back) is i18n.Message and back == message == "2 feeds: https://x.org/{id}"
    assert back.msgid == message.msgid and back.args["url"] == "https://x.org/{id}"
    inner = back.args["what"]
    assert isinstance(inner, i18n.Plural)
    assert (inner.msgid, inner.plural, inner.number, inner.args) == (
        "{n} feed",
        "{n} feeds",
        2,
        {"n": 2},
    )
    assert i18n.language("fr").say(back) == i18n.language("fr").say(message)


def test_messages_keep_what_they_say_through_a_pickle() -> None:
    """A job's summary and errors cross from its process to the service's in a pickle."""
    import pickle

    from curator.errors import StorageError
    from curator.i18n import N_, Message, Plural, language

    summary = Plural("{n} feed", "{n} feeds", 3, n=3)
    again = pickle.loads(pickle.dumps(summary))
    assert isinstance(again, Plural) and again == "3 feeds" and again.number == 3
    error = StorageError(
        Message(N_("cannot connect to database {url}: {error}"), url="x", error=OSError("down"))
    )
    said = language("fr").say_error(pickle.loads(pickle.dumps(error)))
    assert said == "connexion impossible à la base de données x\u00a0: down"
