"""The language curator speaks to one person: gettext catalogs for the words, Babel for dates,
times, numbers and plural forms (issue 16).

English is the source language: a msgid is the English text, so an English reader (or a
language without a catalog) gets it as written. The catalogs live in curator/locale/<lang>/
LC_MESSAGES/<domain>.po, compiled to .mo beside them and shipped in the wheel; `make
extract-messages`, `make update-catalogs` and `make compile-catalogs` maintain them.

Which language: the profile's (`language:` in feeds.yaml, or for "auto" a guess from the
objective: curator.outputs.words.profile_language); for a command that is not about one
profile, the locale (LC_ALL, then LC_MESSAGES, then LANG), else English.

Babel is imported by the formatting methods only, so `curator --help` stays quick.
"""

from __future__ import annotations

import functools
import gettext
import os
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "fr")  # the languages with a catalog of the `curator` domain
_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


@functools.cache
def translations(language: str, domain: str = "curator") -> gettext.NullTranslations:
    """The catalog of `domain` in `language` ("fr", "fr_FR", "en"...); English (the source
    strings) when there is none."""
    return gettext.translation(
        domain, localedir=LOCALE_DIR, languages=[_code(language)], fallback=True
    )


def N_(message: str) -> str:
    """Marks a string for extraction where it is defined (a table, a constant); it is
    translated where it is shown, through `Language.gettext`."""
    return message


class Message(str):
    """An English text that keeps its msgid and arguments, so the screen that shows it says it
    in its reader's language (`Language.say`) though the code that wrote it knew no reader: a
    note made by the facade, shown by the review screen. Everywhere else it is the English str.
    Mark the msgid where it is written: `Message(N_("{n} ready"), n=2)`."""

    __slots__ = ("args", "msgid")
    msgid: str
    args: dict[str, object]

    def __new__(cls, msgid: str, **args: object) -> Message:
        text = super().__new__(cls, msgid.format(**args))
        text.msgid = msgid
        text.args = args
        return text

    def __reduce__(self) -> tuple[object, ...]:
        # Pickled whole (a job's summary comes back from its process, issue 19): str's own
        # reduction would call __new__ with the English text alone, losing the msgid (and
        # failing for a Plural, or for a text holding braces).
        state = {name: getattr(self, name) for name in _slots(type(self))}
        state["args"] = _picklable(self.args)
        return (_restored, (type(self), str(self), state))


class Plural(Message):
    """A `Message` whose words follow a count: `Plural("{n} feed", "{n} feeds", n, n=n)`;
    `Language.say` picks the form of the reader's plural rule. curator/babel_click.py extracts
    both forms (as for ngettext)."""

    __slots__ = ("number", "plural")
    plural: str
    number: int  # (`count` is str's)

    def __new__(cls, singular: str, plural: str, number: int, **args: object) -> Plural:
        text = str.__new__(cls, (singular if number == 1 else plural).format(**args))
        text.msgid, text.args, text.plural, text.number = singular, args, plural, number
        return text


def _picklable(args: dict[str, object]) -> dict[str, object]:
    """The arguments as they read: an exception or a path travels as its text (some
    exceptions cannot be rebuilt from a pickle); a nested Message pickles itself."""
    return {
        k: v if isinstance(v, str | int | float | date | datetime | time) else str(v)
        for k, v in args.items()
    }


def _slots(cls: type) -> list[str]:
    return [name for klass in cls.__mro__ for name in getattr(klass, "__slots__", ())]


def _restored(cls: type[Message], text: str, state: dict[str, object]) -> Message:
    """A pickled Message (or Plural) back, with its msgid and arguments."""
    message = str.__new__(cls, text)
    for name, value in state.items():
        setattr(message, name, value)
    return message


def error_message(error: BaseException) -> str:
    """What an error says, as a Message when curator wrote it as one: the parts that curator's
    errors carry (where, which key) put together around it. Any other error: its English."""
    from curator.errors import ConfigError, FeedError, NotFound

    if isinstance(error, NotFound):
        key = f" {error.key!r}" if error.key != "" else ""
        what = Message(N_("no {kind}{key}"), kind=Message(error.kind), key=key)
        hint = Message(" ({hint})", hint=error.hint) if error.hint else ""
        return Message("{what}{hint}", what=what, hint=hint)
    if isinstance(error, ConfigError):
        return Message("{where}{message}", where=error.where(), message=error.message)
    if isinstance(error, FeedError):
        return Message("{url}: {message}", url=error.url, message=error.message)
    message, text = getattr(error, "message", None), str(error)
    if isinstance(message, Message) and text.endswith(message):
        # an error that puts its path (ExportError, ImportFileError) before its message
        return Message("{where}{message}", where=text[: len(text) - len(message)], message=message)
    if len(error.args) == 1 and isinstance(error.args[0], Message):
        return error.args[0]
    return text


def read_stored(text: str, msgids: Sequence[str], language: Language) -> str | None:
    """`text`, the English of one of `msgids` as a database keeps it (a feed's last error),
    said in `language`; None when it is none of them (an older row, a server's own words)."""
    for msgid in msgids:
        found = _stored_pattern(msgid).fullmatch(text)
        if found is not None:
            return language.gettext(msgid).format(**found.groupdict())
    return None


@functools.cache
def _stored_pattern(msgid: str) -> re.Pattern[str]:
    """ "malformed JSON at line {line}: {error}" -> a pattern that gives back line and error."""
    parts = re.split(r"\{(\w+)\}", msgid)
    pattern = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.*?)" for i, part in enumerate(parts)
    )
    return re.compile(pattern, re.S)


def joined(separator: str, parts: Sequence[str]) -> Message:
    """`parts` joined by `separator`, each still said in its reader's language (a summary made
    of several Messages)."""
    msgid = separator.join(f"{{part{i}}}" for i in range(len(parts)))
    return Message(msgid, **{f"part{i}": part for i, part in enumerate(parts)})


# The codes that screens show as words (slot kinds and statuses, feed, job and digest states):
# the English value is the msgid, `Language.word(code)` its reading. `--json` keeps the code.
CODE_WORDS = (
    N_("relay"), N_("original"),
    N_("empty"), N_("planned"), N_("ready"), N_("published"), N_("skipped"),
    N_("active"), N_("gone"), N_("disabled"), N_("paused"),
    N_("pending"), N_("sending"), N_("sent"), N_("failed"), N_("snoozed"),
    N_("ok"), N_("degraded"), N_("failing"), N_("running"), N_("error"),
)  # fmt: skip

# What a NotFound error is about ("no {kind} {key}"): the kind is said in the reader's language.
NOT_FOUND_KINDS = (
    N_("profile"), N_("feed"), N_("item"), N_("slot"), N_("published post"), N_("idea"),
    N_("action"), N_("link"),
)  # fmt: skip


def _code(language: str) -> str:
    """ "fr_FR.UTF-8" / "fr-fr" / "FR" -> "fr"."""
    return language.replace("-", "_").split(".")[0].split("@")[0].split("_")[0].lower()


def environment_language(environ: Mapping[str, str] | None = None) -> str:
    """The language of the locale, for commands that are not about one profile: the first of
    LC_ALL, LC_MESSAGES, LANG that is set (POSIX's order), when curator speaks it; else
    English ("C", "POSIX" and unknown languages included)."""
    env = os.environ if environ is None else environ
    for variable in _LOCALE_VARIABLES:
        value = env.get(variable, "").strip()
        if value:
            code = _code(value)
            return code if code in LANGUAGES else SOURCE_LANGUAGE
    return SOURCE_LANGUAGE


class Language:
    """The words and formats of one language, bound once: `t = language("fr")`, then
    `t._("Feeds")`, `t.ngettext("{n} error", "{n} errors", n)`,
    `t.format_date(day, "EEE d MMM")`."""

    def __init__(self, code: str) -> None:
        self.code = code if code in LANGUAGES else SOURCE_LANGUAGE
        self._translations = translations(self.code)

    def __repr__(self) -> str:
        return f"Language({self.code!r})"

    def gettext(self, message: str) -> str:
        return self._translations.gettext(message)

    _ = gettext

    def pgettext(self, context: str, message: str) -> str:
        """`message` where the same English word reads otherwise (a column title)."""
        return self._translations.pgettext(context, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The form of `n` in this language's plural rule (French: 0 and 1 are singular)."""
        return self._translations.ngettext(singular, plural, n)

    def say(self, text: object) -> str:
        """A `Message` in this language, its arguments that are Messages too (a status word,
        a hint); any other text as it is."""
        if isinstance(text, Message):
            args = {k: self.say(v) if isinstance(v, Message) else v for k, v in text.args.items()}
            if isinstance(text, Plural):
                said = self._translations.ngettext(text.msgid, text.plural, text.number)
                return said.format(**args)
            return self._translations.gettext(text.msgid).format(**args)
        return str(text)

    def say_error(self, error: BaseException) -> str:
        """The one line that tells a user what went wrong, in this language."""
        from curator.errors import FeedError

        if isinstance(error, FeedError) and not isinstance(error.message, Message):
            # the network's words (a FetchResult's reason) are read as a stored feed error
            from curator.outputs.words import explain_feed_error

            reason = explain_feed_error(error.message, self.code)
            return self.say(Message("{url}: {message}", url=error.url, message=reason))
        return self.say(error_message(error))

    def word(self, code: str) -> str:
        """A code of CODE_WORDS ("planned") as this language says it ("prévu")."""
        return self._translations.gettext(code)

    @property
    def colon(self) -> str:
        """ ":" before a value; French typography puts a no-break space before it."""
        return "\u00a0:" if self.code == "fr" else ":"

    # Dates, times and numbers through Babel (CLDR data), patterns in LDML syntax:
    # "EEE" Mon / lun., "EEEE" Monday / lundi, "MMM" Dec / déc., "MMMM" December / décembre.
    def format_date(self, day: date | datetime, pattern: str = "medium") -> str:
        from babel.dates import format_date

        return format_date(day, pattern, locale=self.code)

    def format_time(self, moment: time | datetime, pattern: str = "HH:mm") -> str:
        from babel.dates import format_time

        return format_time(moment, pattern, locale=self.code)

    def format_datetime(self, moment: datetime, pattern: str = "medium") -> str:
        """`moment` as it is (convert it to the reader's zone first)."""
        from babel.dates import format_datetime

        return format_datetime(moment, pattern, tzinfo=moment.tzinfo, locale=self.code)

    def format_decimal(self, value: float, pattern: str = "0.00") -> str:
        """ "0.76" / "0,76" by default: two decimals with the language's separator."""
        from babel.numbers import format_decimal

        return format_decimal(value, pattern, locale=self.code)

    def format_number(self, value: int | float) -> str:
        """Grouped as the language groups: "12,345" / "12 345"."""
        from babel.numbers import format_decimal

        return format_decimal(value, locale=self.code)


@functools.cache
def language(code: str) -> Language:
    """The `Language` for "fr" or "en" (any other code speaks English)."""
    return Language(_code(code))


def locale_language(environ: Mapping[str, str] | None = None) -> Language:
    """The `Language` of the locale (see `environment_language`)."""
    return language(environment_language(environ))
