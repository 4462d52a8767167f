"""`curator export ics` and the calendar use cases, on a real migrated SQLite file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from ical.calendar_stream import IcsCalendarStream
from sqlalchemy import update

from curator.app import Curator
from curator.cli import cli, main
from curator.config import load_settings
from curator.errors import ExportError, InvalidAction
from curator.store import Database
from curator.store.models import SlotRow
from tests.conftest import MINIMAL_CONFIG
from tests.support.ics import NOW, event_by_uid, prop, small_plan, store_plan
from tests.support.plan import NOW as PLAN_NOW
from tests.support.plan import World, world

__all__ = ["world"]  # the planner's fixture, imported for pytest

REMOVED_UID = "claire-2026-04-09-0900-original@curator"
RELAY_UID = "claire-2026-04-01-0900-relay@curator"


@pytest.fixture
def setup(
    tmp_path: Path, write_config: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, str]]:
    """A config in tmp_path and a database one folder down, holding the small plan; the CLI's
    facade reads the same fixed clock as the tests' (reminders depend on what is past)."""
    original = Curator.open.__func__  # type: ignore[attr-defined]

    def open_at_now(cls: type[Curator], config_path: Path, db: str | None = None, **_: object):
        return original(cls, config_path, db, clock=lambda: NOW)

    monkeypatch.setattr(Curator, "open", classmethod(open_at_now))
    config = write_config()
    (tmp_path / "data").mkdir()
    url = f"sqlite:///{tmp_path / 'data' / 'curator.db'}"
    app = Curator(load_settings(config), Database.open(url), clock=lambda: NOW)
    store_plan(app.db, small_plan())
    app.close()
    yield config, url


def open_app(setup: tuple[Path, str]) -> Curator:
    config, url = setup
    return Curator(load_settings(config), Database.open(url), clock=lambda: NOW)


def invoke(setup: tuple[Path, str], *args: str) -> tuple[int, bytes, str]:
    config, url = setup
    result = CliRunner().invoke(cli, ["--config", str(config), "--db", url, *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout_bytes, result.stderr


def test_export_writes_beside_the_database(setup: tuple[Path, str], tmp_path: Path) -> None:
    code, out, _ = invoke(setup, "export", "ics")
    target = tmp_path / "data" / "calendar-claire.ics"
    assert code == 0 and f"Wrote {target}" in out.decode()
    body = target.read_bytes()
    calendar = IcsCalendarStream.calendar_from_ics(body.decode("utf-8"))
    assert len(calendar.events) == 6
    by_uid = event_by_uid(body)
    assert REMOVED_UID not in by_uid
    # The profile in feeds.yaml is French: the stored plan renders in French.
    assert prop(by_uid[RELAY_UID], "SUMMARY")[0].startswith("✎ [à commenter] Relais : Les PME")
    assert "Pourquoi : PME\\, adoption\\n" in prop(by_uid[RELAY_UID], "DESCRIPTION")[0]


def test_keep_cancelled_and_output_file(setup: tuple[Path, str], tmp_path: Path) -> None:
    target = tmp_path / "out" / "plan.ics"
    code, _, _ = invoke(
        setup, "export", "ics", "--profile", "claire", "-o", str(target), "--keep-cancelled"
    )
    assert code == 0
    removed = event_by_uid(target.read_bytes())[REMOVED_UID]
    assert prop(removed, "STATUS") == ["CANCELLED"]


def test_output_to_a_folder(setup: tuple[Path, str], tmp_path: Path) -> None:
    folder = tmp_path / "calendars"
    folder.mkdir()
    assert invoke(setup, "export", "ics", "-o", str(folder))[0] == 0
    assert (folder / "calendar-claire.ics").is_file()


def test_stdout_is_the_same_calendar_with_crlf(setup: tuple[Path, str]) -> None:
    code, out, _ = invoke(setup, "export", "ics", "-o", "-")
    assert code == 0
    app = open_app(setup)
    try:
        assert out == app.calendar_ics("claire")
    finally:
        app.close()
    assert out.startswith(b"BEGIN:VCALENDAR\r\n") and out.endswith(b"END:VCALENDAR\r\n")


def test_exporting_twice_changes_nothing(setup: tuple[Path, str], tmp_path: Path) -> None:
    invoke(setup, "export", "ics")
    target = tmp_path / "data" / "calendar-claire.ics"
    first, stat = target.read_bytes(), target.stat()
    invoke(setup, "export", "ics")
    assert target.read_bytes() == first
    assert target.stat().st_mtime_ns == stat.st_mtime_ns, "an unchanged calendar is not rewritten"


def test_a_new_comment_bumps_only_its_event(setup: tuple[Path, str], tmp_path: Path) -> None:
    invoke(setup, "export", "ics")
    target = tmp_path / "data" / "calendar-claire.ics"
    before = event_by_uid(target.read_bytes())
    app = open_app(setup)
    try:
        # What the planner does when the user writes the comment.
        with app.db.session() as session:
            session.execute(
                update(SlotRow)
                .where(SlotRow.id == "claire-2026-04-01-0900-relay")
                .values(
                    comment="Un commentaire personnel, assez long pour être publié.",
                    status="ready",
                    sequence=SlotRow.sequence + 1,
                    updated_at=NOW + timedelta(minutes=5),
                )
            )
        paths = app.export_ics()
    finally:
        app.close()
    assert paths == [target]
    after = event_by_uid(target.read_bytes())
    assert before.keys() == after.keys()
    assert [uid for uid in before if before[uid] != after[uid]] == [RELAY_UID]
    assert prop(after[RELAY_UID], "SEQUENCE") == ["2"]
    assert prop(after[RELAY_UID], "STATUS") == ["CONFIRMED"]


def test_run_exports_the_calendar(setup: tuple[Path, str], tmp_path: Path) -> None:
    app = open_app(setup)
    try:
        report = app.run()
    finally:
        app.close()
    export = next(stage for stage in report.stages if stage.name == "export")
    assert export.detail["paths"] == [str(tmp_path / "data" / "calendar-claire.ics")]
    assert (tmp_path / "data" / "calendar-claire.ics").is_file()


def test_output_dir_from_feeds_yaml(tmp_path: Path, write_config: Callable[..., Path]) -> None:
    config = write_config(MINIMAL_CONFIG + "calendar:\n  output_dir: public\n")
    settings = load_settings(config)
    assert settings.calendar.output_dir == str(tmp_path / "public")
    app = Curator(settings, Database.open(f"sqlite:///{tmp_path / 'c.db'}"), clock=lambda: NOW)
    try:
        assert app.export_ics() == [tmp_path / "public" / "calendar-claire.ics"]
    finally:
        app.close()
    assert (
        IcsCalendarStream.calendar_from_ics(
            (tmp_path / "public" / "calendar-claire.ics").read_text("utf-8")
        ).events
        == []
    )


def test_stdout_follows_keep_cancelled_in_the_file_and_needs_one_profile(
    setup: tuple[Path, str],
) -> None:
    config, _ = setup
    config.write_text(MINIMAL_CONFIG + "calendar:\n  keep_cancelled: true\n", encoding="utf-8")
    code, out, _ = invoke(setup, "export", "ics", "-o", "-")
    assert code == 0 and REMOVED_UID in event_by_uid(out)
    code, out, _ = invoke(setup, "export", "ics", "-o", "-", "--drop-cancelled")
    assert code == 0 and REMOVED_UID not in event_by_uid(out)
    app = open_app(setup)
    try:  # subscribers get removed slots simply absent, whatever the file exports keep
        body = app.calendar_http("claire", token=None, if_none_match=None).body
        assert REMOVED_UID not in event_by_uid(body)
    finally:
        app.close()
    second = "  - name: marc\n    objective: Grow my audience\nfeeds:"
    config.write_text(MINIMAL_CONFIG.replace("feeds:", second), encoding="utf-8")
    code, _, err = invoke(setup, "export", "ics", "-o", "-")
    assert code == 2 and "choose one with --profile" in err


def test_one_file_for_several_profiles_is_refused(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    second = MINIMAL_CONFIG.replace(
        "feeds:", "  - name: marc\n    objective: Grow my audience\nfeeds:"
    )
    settings = load_settings(write_config(second))
    app = Curator(settings, Database.open(f"sqlite:///{tmp_path / 'c.db'}"), clock=lambda: NOW)
    try:
        with pytest.raises(InvalidAction, match="2 profiles"):
            app.export_ics(path=tmp_path / "one.ics")
        assert sorted(p.name for p in app.export_ics()) == [
            "calendar-claire.ics",
            "calendar-marc.ics",
        ]
    finally:
        app.close()


def test_unwritable_target_is_an_export_error(setup: tuple[Path, str], tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    app = open_app(setup)
    try:
        with pytest.raises(ExportError, match="a-file"):
            app.export_ics("claire", path=blocker / "sub" / "cal.ics")
    finally:
        app.close()


def test_errors_are_one_line(setup: tuple[Path, str], capsys: pytest.CaptureFixture[str]) -> None:
    config, url = setup
    code = main(["--config", str(config), "--db", url, "export", "ics", "--profile", "nobody"])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "nobody" in err


def test_calendar_http(setup: tuple[Path, str]) -> None:
    app = open_app(setup)
    try:
        first = app.calendar_http("claire", token=None, if_none_match=None)
        assert first.status == 200 and first.body == app.calendar_ics("claire")
        assert first.headers["Content-Type"] == "text/calendar; charset=utf-8"
        again = app.calendar_http("claire", token=None, if_none_match=first.headers["ETag"])
        assert again.status == 304 and again.body == b""
        assert app.calendar_http("nobody", token=None, if_none_match=None).status == 404
    finally:
        app.close()


def test_calendar_http_checks_the_token_first(
    tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    config = write_config(MINIMAL_CONFIG + "serve:\n  token: s3cret\n")
    app = Curator(load_settings(config), Database.open(f"sqlite:///{tmp_path / 'c.db'}"))
    try:
        assert app.calendar_http("claire", token=None, if_none_match=None).status == 403
        assert app.calendar_http("nobody", token="wrong", if_none_match=None).status == 403
        assert app.calendar_http("nobody", token="s3cret", if_none_match=None).status == 404
        assert app.calendar_http("claire", token="s3cret", if_none_match=None).status == 200
    finally:
        app.close()


# --- with the real planner -----------------------------------------------------------------


def test_planned_fortnight_exports_stably_and_a_comment_bumps_one_event(world: World) -> None:
    app = world.app()
    try:
        app.plan()
        (path,) = app.export_ics("claire")
        first = path.read_bytes()
        events = IcsCalendarStream.calendar_from_ics(first.decode("utf-8")).events
        live = app.calendar("claire", weeks=2).slots
        assert sorted(e.uid for e in events) == sorted(f"{s.id}@curator" for s in live)
        assert len(events) == 8

        # Planning and exporting again, later, changes nothing: same UIDs, same bytes.
        world.clock[0] = PLAN_NOW + timedelta(minutes=30)
        app.plan()
        app.export_ics("claire")
        assert path.read_bytes() == first

        # The user writes the missing comment on Monday's relay: only that event changes.
        before = event_by_uid(first)
        slot_id = "claire-2026-11-30-0830-relay"
        app.comment_slot(slot_id, "Mon avis : ce que ce texte dit des PME vaut pour mes clients.")
        app.export_ics("claire")
        after = event_by_uid(path.read_bytes())
    finally:
        app.close()
    uid = f"{slot_id}@curator"
    assert [u for u in before if before[u] != after[u]] == [uid]
    assert int(prop(after[uid], "SEQUENCE")[0]) > int(prop(before[uid], "SEQUENCE")[0])
    assert prop(after[uid], "STATUS") == ["CONFIRMED"]
    assert "COMMENTAIRE À ÉCRIRE" in prop(before[uid], "DESCRIPTION")[0]
    assert "COMMENTAIRE À ÉCRIRE" not in prop(after[uid], "DESCRIPTION")[0]


@pytest.mark.postgres
def test_same_calendar_from_postgresql_and_sqlite(
    pg_url: str, tmp_path: Path, write_config: Callable[..., Path]
) -> None:
    settings = load_settings(write_config())
    bodies = []
    for url in (f"sqlite:///{tmp_path / 'same.db'}", pg_url):
        app = Curator(settings, Database.open(url), clock=lambda: NOW)
        try:
            store_plan(app.db, small_plan())
            bodies.append(app.calendar_ics("claire", keep_cancelled=True))
        finally:
            app.close()
    assert bodies[0] == bodies[1]
    assert REMOVED_UID in event_by_uid(bodies[1])
