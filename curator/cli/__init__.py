"""The command line: parse, then call one facade method. No policy lives here.

`main()` is the one error boundary: a CuratorError becomes one line on stderr and exit code 1;
click's usage errors exit 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import gc
import gettext
import inspect
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, NoReturn, ParamSpec, TypeVar

import click

from curator import __version__
from curator.errors import ConfigError, CuratorError, InvalidAction, StorageError
from curator.i18n import LOCALE_DIR, Language

# `curator --help`, `--version` and shell completion must answer at once (issue 16: 0.4-0.6 s
# when SQLAlchemy was imported here). This package and the command modules import click and
# curator.errors only; the facade, storage, config and rich are imported by the commands that
# run. tests/test_cli_startup.py checks it in a fresh interpreter.
if TYPE_CHECKING:
    from curator.app import Curator
    from curator.types import Profile

P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class CliState:
    config: str | None
    db: str | None
    verbosity: int = 0
    _app: Curator | None = None
    # The command line as given, for the running service to answer it (curator.cli.relay);
    # `relayed`: this is the service answering it, with its own facade (`_app`, not closed).
    argv: list[str] | None = None
    relayed: bool = False
    # What the command is about, so that its error speaks that profile's language: a command
    # with a --profile option or a slot id (which starts with its profile's name) is about one
    # profile; any other (fetch, feeds ...) speaks the locale's language (issue 16).
    about_profile: bool = False
    profile_name: str | None = None
    slot_id: str | None = None

    @property
    def config_path(self) -> Path:
        from curator.config import resolve_config_path

        return resolve_config_path(self.config)

    def app(self) -> Curator:
        if self._app is None:
            from curator.app import Curator

            self._app = Curator.open(self.config_path, self.db, clock=_clock_from_environment())
            _start_up_done()
        return self._app

    def close(self) -> None:
        if self._app is not None and not self.relayed:
            self._app.close()

    def language(self) -> Language:
        """Who the command speaks to (issue 16): the profile it is about (named by --profile,
        else the only one), when the configuration was read; else the locale's language."""
        from curator import i18n

        if self._app is not None and self.about_profile:
            from curator.outputs.words import profile_language

            profiles = self._app.settings.profiles
            if self.slot_id is not None:
                named = [p for p in profiles if self.slot_id.startswith(f"{p.name}-")]
                named = sorted(named, key=lambda p: len(p.name))[-1:]
            else:
                named = [p for p in profiles if p.name == self.profile_name]
            chosen = named or (profiles if len(profiles) == 1 else [])
            if chosen:
                return i18n.language(profile_language(chosen[0]))
        return i18n.locale_language()


def _clock_from_environment() -> Callable[[], datetime]:
    """The wall clock, shifted by CURATOR_CLOCK_OFFSET seconds when set.

    For rehearsals and end-to-end tests of the service: "what would happen in two hours".
    """
    from curator.app import utc_now

    raw = os.environ.get("CURATOR_CLOCK_OFFSET", "").strip()
    if not raw:
        return utc_now
    try:
        offset = timedelta(seconds=float(raw))
    except ValueError:
        from curator.i18n import N_, Message

        raise ConfigError(
            Message(
                N_("CURATOR_CLOCK_OFFSET must be a number of seconds, got {raw}"), raw=repr(raw)
            )
        ) from None
    return _ShiftedClock(offset)


@dataclass(frozen=True)
class _ShiftedClock:
    """The wall clock plus an offset; a class, not a lambda, so `curator serve` can send it
    to a job's process (curator.job_process)."""

    offset: timedelta

    def __call__(self) -> datetime:
        from curator.app import utc_now

        return utc_now() + self.offset


def pass_app(f: Callable[Concatenate[Curator, P], R]) -> Callable[P, R]:
    """Give a command the facade, opened (and the database migrated) on first use."""

    @functools.wraps(f)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        state = click.get_current_context().find_object(CliState)
        assert state is not None, "commands run under the curator group"
        for name in ("profile_name", "profile", "slot_id"):
            if name in kwargs:
                state.about_profile = True
                value = kwargs[name]
                if isinstance(value, str):
                    setattr(state, "slot_id" if name == "slot_id" else "profile_name", value)
        code = _answered_by_service(state, kwargs)
        if code is not None:
            raise click.exceptions.Exit(code)
        return f(state.app(), *args, **kwargs)

    return wrapper


#: The commands a running service answers (curator.cli.relay), by command path; a value names
#: the options that keep a command local when given: a file read here, an editor opened here,
#: or the scorer loaded (`--starter`), which would stay in the service's memory (issue 19
#: bounds it). Looked up before the relay is imported: the other commands never load it.
RELAYED: dict[tuple[str, ...], tuple[str, ...]] = {
    ("status",): (),
    ("queue", "show"): ("starter",),
    ("queue", "approve"): ("comment_file",),
    ("queue", "reject"): (),
    ("queue", "snooze"): (),
    ("queue", "undo"): (),
    ("slot", "show"): (),
    ("slot", "comment"): ("edit",),
    ("slot", "pin"): (),
    ("slot", "done"): (),
    ("slot", "skip"): (),
}


def _answered_by_service(state: CliState, options: dict[str, Any]) -> int | None:
    """The exit code of the command as the running service ran it, its output printed here;
    None when it is to run here (no service, or a command the service does not answer)."""
    if state.relayed or state.argv is None:
        return None
    local_only = RELAYED.get(tuple(click.get_current_context().command_path.split()[1:]))
    if local_only is None or any(options.get(o) for o in local_only):
        return None
    from curator.cli import relay

    if not relay.enabled():
        return None
    try:
        answer = relay.ask(relay.socket_path(state.config_path, state.db), state.argv)
    except relay.ServiceLost:
        from curator.i18n import N_, Message

        raise StorageError(
            Message(
                N_(
                    "the service stopped before answering: the command may have run there"
                    " (`curator status` and `curator queue show ID` say what it did)"
                )
            )
        ) from None
    if answer is None:
        return None
    sys.stdout.write(answer.stdout)
    sys.stderr.write(answer.stderr)
    return answer.code


def pass_state(f: Callable[Concatenate[CliState, P], R]) -> Callable[P, R]:
    @functools.wraps(f)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        state = click.get_current_context().find_object(CliState)
        assert state is not None
        return f(state, *args, **kwargs)

    return wrapper


def _configure_logging(verbosity: int) -> None:
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    # Third-party chatter (APScheduler's per-job lines, Alembic's steps, httpx's requests) only
    # at -vv: curator logs one structured line per job run itself.
    for noisy in ("apscheduler", "alembic", "httpx"):
        logging.getLogger(noisy).setLevel(level if verbosity >= 2 else max(level, logging.WARNING))


# click marks its own words ("Usage:", "Show this message and exit.", "No such option") with the
# stdlib's `gettext.gettext`, whose domain is the process's default one: curator makes that
# default its `click` catalog (curator/locale/<lang>/LC_MESSAGES/click.po), so a French locale
# reads click's words in French. The stdlib picks the language from LANGUAGE, LC_ALL,
# LC_MESSAGES, LANG (issue 16).
gettext.bindtextdomain("click", str(LOCALE_DIR))
gettext.textdomain("click")


def translate_help(
    command: click.Command, t: Language, click_catalog: gettext.NullTranslations | None = None
) -> None:
    """Say the help of `command` and of everything under it in `t`'s language: docstrings and
    `help=` texts are the English msgids (curator/babel_click.py extracts them). The English
    text is kept aside, so each run translates from it again, whatever the language before."""
    if click_catalog is None:
        # What `gettext.gettext` reads, looked up once: each of its calls looks for the
        # catalog's files again (150 texts, 600 file checks, 6 ms of every command).
        click_catalog = gettext.translation(
            gettext.textdomain(), gettext.bindtextdomain(gettext.textdomain()), fallback=True
        )
    targets: list[click.Command | click.Parameter] = [command, *command.params]
    for target in targets:
        english: dict[str, str] = target.__dict__.setdefault("_english_help", {})
        for field in ("help", "short_help", "epilog"):
            text = english.get(field, getattr(target, field, None))
            if not isinstance(text, str) or not text:
                continue
            english[field] = text
            msgid = inspect.cleandoc(text).partition("\f")[0]
            said = t._(msgid)
            # click's own option texts (--version) are in its catalog
            setattr(target, field, said if said != msgid else click_catalog.gettext(msgid))
    # click makes the --help option once per command, its help in the language of that
    # moment: make it again in this run's
    command._help_option = None
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            translate_help(sub, t, click_catalog)


class CuratorGroup(click.Group):
    def main(self, *args: Any, **kwargs: Any) -> Any:
        """Parse and run in the locale's language: help texts included."""
        from curator.i18n import locale_language

        translate_help(self, locale_language())
        return super().main(*args, **kwargs)


@click.group(
    cls=CuratorGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--config",
    metavar="FILE",
    help="Configuration file [env CURATOR_CONFIG; default ./feeds.yaml].",
)
@click.option(
    "--db",
    metavar="URL",
    help="Database URL, e.g. sqlite:///curator.db or postgresql+psycopg://host/db "
    "[env CURATOR_DB; default: `database` in the file, else curator.db beside it].",
)
@click.option("-v", "--verbose", count=True, help="More detail (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors.")
@click.version_option(__version__, prog_name="curator")
@click.pass_context
def cli(ctx: click.Context, config: str | None, db: str | None, verbose: int, quiet: bool) -> None:
    """Curate what your field publishes and keep a steady, commented publishing rhythm.

    Start with `curator demo` to see everything on sample data, or `curator init` to write
    your own feeds.yaml.
    """
    verbosity = -1 if quiet else verbose
    # main() hands its own state in, to say an error in the language of who it concerns
    state = ctx.obj if isinstance(ctx.obj, CliState) else CliState(config=None, db=None)
    if not state.relayed:  # the service answering a command keeps its own logging
        _configure_logging(verbosity)
    state.config, state.db, state.verbosity = config, db, verbosity
    ctx.obj = state
    ctx.call_on_close(state.close)


def choose_profile(app: Curator, name: str | None) -> Profile:
    """The facade's rule (named, else the only one); a missing --profile is a usage error."""
    try:
        return app.choose_profile(name)
    except InvalidAction as e:
        from curator.i18n import locale_language

        raise click.UsageError(locale_language().say_error(e)) from e


def profile_speaker(app: Curator, profile: str) -> Language:
    """The language of a profile (issue 16), for what a command prints about it."""
    from curator import i18n
    from curator.outputs.words import profile_language

    return i18n.language(profile_language(app.settings.profile(profile)))


def echo_json(value: Any) -> None:
    import json

    click.echo(json.dumps(value, ensure_ascii=False, indent=2, default=str))


# Command modules register themselves on `cli` when imported.
from curator.cli import core as _core  # noqa: E402,F401
from curator.cli import demo as _demo  # noqa: E402,F401
from curator.cli import digest as _digest  # noqa: E402,F401
from curator.cli import export as _export  # noqa: E402,F401
from curator.cli import fetch as _fetch  # noqa: E402,F401
from curator.cli import ideas as _ideas  # noqa: E402,F401
from curator.cli import picks as _picks  # noqa: E402,F401
from curator.cli import plan as _plan  # noqa: E402,F401
from curator.cli import queue as _queue  # noqa: E402,F401
from curator.cli import queue_actions as _queue_actions  # noqa: E402,F401
from curator.cli import results as _results  # noqa: E402,F401
from curator.cli import review as _review  # noqa: E402,F401
from curator.cli import serve as _serve  # noqa: E402,F401


def main(argv: list[str] | None = None, *, service_app: Curator | None = None) -> int:
    """Run one command line. `service_app`: the running service's facade, when the service
    answers a command sent to it (curator.cli.relay)."""
    state = CliState(
        config=None,
        db=None,
        _app=service_app,
        argv=list(sys.argv[1:] if argv is None else argv),
        relayed=service_app is not None,
    )
    try:
        # Without standalone mode click returns an exit code (from ctx.exit) instead of exiting.
        result = cli.main(args=argv, prog_name="curator", standalone_mode=False, obj=state)
    except CuratorError as e:
        t = state.language()
        click.echo(t._("curator: error: {reason}").format(reason=t.say_error(e)), err=True)
        return 1
    except click.exceptions.Abort:
        click.echo(gettext.gettext("Aborted!"), err=True)
        return 1
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except click.exceptions.Exit as e:
        return e.exit_code
    except KeyboardInterrupt:
        click.echo(state.language()._("Interrupted."), err=True)
        return 130
    return result if isinstance(result, int) else 0


#: The collector's thresholds while a command starts (see `run`), then the ones it had.
_START_UP_THRESHOLD = 50_000
_thresholds: tuple[int, int, int] | None = None


def _start_up() -> None:
    global _thresholds
    _thresholds = gc.get_threshold()
    gc.set_threshold(_START_UP_THRESHOLD, *_thresholds[1:])


def _start_up_done() -> None:
    """The facade is open: what start-up built lives as long as the process. It is frozen out
    of every later collection and the collector runs as often as before."""
    global _thresholds
    if _thresholds is not None:
        gc.freeze()
        gc.set_threshold(*_thresholds)
        _thresholds = None


def run() -> NoReturn:
    """The process entry point (`curator`, `python -m curator`): `main()`, then exit.

    Start-up (SQLAlchemy, the models, the facade) creates some 65,000 objects that live as
    long as the process; the cyclic collector, run every 700 new objects, went through them
    about 170 times for nothing, a tenth of the CPU of `curator status` (issue 19). Until the
    facade is open it runs every 50,000; a command that never opens it (help, demo) keeps that
    pace.

    The exit skips the interpreter's teardown, which frees every module and object one by one
    (SQLAlchemy's class graph above all): ~0.2 s on every command, more than many commands
    take themselves. Everything Python runs at a normal exit still runs first: the command
    has closed its database, and the atexit handlers flush logs and reap worker processes.
    Only freeing memory that the operating system reclaims anyway is skipped.
    """
    _start_up()
    code = main()
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    if any(t.is_alive() and not t.daemon for t in others):
        sys.exit(code)  # let the interpreter wait for them, as it normally does
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        # A closed pipe (curator ... | head): nothing left to lose.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
