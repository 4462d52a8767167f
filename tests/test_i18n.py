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
PO = ROOT / "curator" / "locale" / "fr" / "LC_MESSAGES" / "curator.po"
MO = PO.with_suffix(".mo")


def _catalog():  # type: ignore[no-untyped-def]
    with PO.open("rb") as f:
        return read_po(f, locale="fr", domain="curator")


def _source_messages() -> dict[str, set[str]]:
    """What `make extract-messages` extracts today: msgid -> where."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, set[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, set()).add(f"{filename}:{lineno}")
    return found


def test_every_marked_string_has_a_french_translation() -> None:
    catalog = _catalog()
    missing, fuzzy, empty = [], [], []
    for msgid, where in sorted(_source_messages().items()):
        message = catalog.get(msgid)
        if message is None:
            missing.append(f"{msgid!r} ({', '.join(sorted(where))})")
        elif message.fuzzy:
            fuzzy.append(msgid)
        elif not all(message.string) if isinstance(message.string, tuple) else not message.string:
            empty.append(msgid)
    assert not missing, "not in the French catalog (make update-catalogs):\n" + "\n".join(missing)
    assert not fuzzy, f"fuzzy in the French catalog: {fuzzy}"
    assert not empty, f"untranslated in the French catalog: {empty}"


def test_the_compiled_catalog_matches_its_source() -> None:
    catalog = _catalog()
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            singular, plural = message.id
            strings = message.string
            assert compiled.ngettext(singular, plural, 1) == strings[0], "make compile-catalogs"
            assert compiled.ngettext(singular, plural, 2) == strings[1], "make compile-catalogs"
        else:
            assert compiled.gettext(message.id) == message.string, (
                f"{MO.name} is older than {PO.name} for {message.id!r}: make compile-catalogs"
            )
    # French: zero is singular (the catalog's Plural-Forms)
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
