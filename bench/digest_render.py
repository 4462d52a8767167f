"""What a digest costs: composing it as the candidate pool grows, and sending it with the outbox.

Run: python bench/digest_render.py
Prints, for pools of 10 to 10,000 scored candidates, the time to select and group them, render
the text part, render the HTML (Jinja alone, then with css-inline) and compose the whole
message; then the cost of the at-most-once outbox (two SQLite commits around each SMTP
transaction) against a bare SMTP send to a local aiosmtpd server. Ratios compare figures from
the same run, so they hold on any machine.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from curator.outputs import outbox, smtp
from curator.outputs.digest import (
    HTML_LIMIT_BYTES,
    DigestContent,
    build_digest,
    build_message,
    fit_html,
    render_text,
)
from curator.outputs.templating import render
from curator.store import Database, digests
from curator.store.models import ProfileRow
from curator.types import Digest, SmtpSettings
from tests.support.digest import at, candidate, item, profile, slot
from tests.support.smtp import smtp_server

DAY = date(2026, 3, 28)
NOW = at(DAY, 6, 30)


def pool(size: int) -> list:  # type: ignore[type-arg]
    return [
        candidate(
            item(i, fetched_at=NOW - timedelta(minutes=i), summary="<p>Lorem ipsum dolor</p>" * 30),
            0.95 - (i % 90) / 100,
            rank=i,
            source=f"Source {i % 12}",
        )
        for i in range(1, size + 1)
    ]


def content_for(size: int, max_items: int = 10) -> DigestContent:
    slots = [slot(f"s{i}", at(DAY, 8) + timedelta(hours=12 * i), item_id=1) for i in range(6)]
    return build_digest(
        profile(max_items=max_items, min_score=0.1),
        DAY,
        candidates=pool(size),
        slots=slots,
        slot_items={1: item(1, fetched_at=NOW)},
        since=NOW - timedelta(days=1),
    )


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def raw_html(content: DigestContent) -> str:
    from curator.outputs.digest import SLOT_WINDOW_DAYS, _View

    return render("digest.html.j2", v=_View(content), c=content, window=SLOT_WINDOW_DAYS)


def composing() -> None:
    print("Composing (median of 5, milliseconds); max_items = 10")
    head = f"{'pool':>7} {'select':>8} {'text':>7} {'jinja':>7} {'+inline':>8} {'x':>5}"
    print(head + f" {'message':>8} {'html KB':>8}")
    for size in (10, 100, 1_000, 10_000):
        cands = pool(size)
        p = profile(max_items=10, min_score=0.1)
        select = best_of(lambda: build_digest(p, DAY, candidates=cands))  # noqa: B023
        content = content_for(size)
        text = best_of(lambda: render_text(content))  # noqa: B023
        jinja = best_of(lambda: raw_html(content))  # noqa: B023
        inlined = best_of(lambda: fit_html(content))  # noqa: B023
        message = best_of(
            lambda: build_message(content, sender="d@example.com", now=NOW)  # noqa: B023
        )
        size_kb = len(fit_html(content)[1].encode()) / 1024
        print(
            f"{size:>7} {select * 1e3:>8.2f} {text * 1e3:>7.2f} {jinja * 1e3:>7.2f} "
            f"{inlined * 1e3:>8.2f} {inlined / jinja:>5.1f} {message * 1e3:>8.2f} {size_kb:>8.1f}"
        )


def clipping() -> None:
    print(f"\nKeeping the HTML under {HTML_LIMIT_BYTES // 1024} KB when max_items is huge")
    print(f"{'max_items':>9} {'shown':>6} {'+more':>6} {'html KB':>8} {'ms':>8}")
    for max_items in (10, 50, 200, 1_000):
        content = content_for(1_000, max_items=max_items)
        took = best_of(lambda c=content: fit_html(c), repeat=3)  # type: ignore[misc]
        shown, page = fit_html(content)
        print(
            f"{max_items:>9} {len(shown.entries):>6} {shown.more:>6} "
            f"{len(page.encode()) / 1024:>8.1f} {took * 1e3:>8.1f}"
        )


def sending(count: int = 30) -> None:
    print(f"\nSending {count} digests to aiosmtpd on 127.0.0.1 (milliseconds per message)")
    content = content_for(100)
    with tempfile.TemporaryDirectory() as tmp, smtp_server() as server:
        settings = SmtpSettings(host=server.host, port=server.port, sender="d@example.com")
        message = build_message(content, sender="d@example.com", now=NOW)
        bare = best_of(lambda: smtp.send(message, settings), repeat=count)
        db = Database.open(f"sqlite:///{Path(tmp) / 'bench.db'}")
        with db.session() as session:
            session.add(ProfileRow(name="alice", created_at=NOW))

        def claim(previous: Digest | None, row: Digest) -> bool:
            with db.session() as session:
                return digests.claim(session, previous, row, NOW)

        def save(row: Digest) -> None:
            with db.session() as session:
                digests.save(session, row, NOW)

        days = iter(range(10_000))

        def through_outbox() -> None:
            day = DAY + timedelta(days=next(days))
            outbox.deliver(
                message,
                None,
                profile="alice",
                day=day,
                item_ids=content.item_ids,
                claim=claim,
                save=save,
                send=lambda m: smtp.send(m, settings),
                clock=lambda: NOW,
                sleep=lambda _s: None,
            )

        with_outbox = best_of(through_outbox, repeat=count)
        db.close()
    print(f"{'bare SMTP send':>22} {bare * 1e3:>8.2f}")
    print(f"{'through the outbox':>22} {with_outbox * 1e3:>8.2f}  x{with_outbox / bare:.2f}")


if __name__ == "__main__":
    composing()
    clipping()
    sending()
