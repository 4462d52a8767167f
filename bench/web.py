"""The web workspace on a year of history (issue 14): each page's server time beside `curator
queue list`, and in Chromium the time from a triage key to the next item shown.

    python bench/web.py                      # build (or --reuse) 100,000 items, 5 profiles
    python bench/web.py --reuse --runs 30
    python bench/web.py --items 20000        # smaller, while developing

The database is bench/history.py's (`build_history`): 5 profiles, a year of items from the
shared ranking corpus, scored, some decisions, a plan. Each page is asked `--runs` times through
the ASGI app in-process (the server's own time: routing, facade calls, templates; no network)
and the median is printed beside the median wall time of `curator queue list` (a whole process)
and of the facade's `queue()` call that both use. The browser part serves the same app with
uvicorn on 127.0.0.1 and presses keys in Debian's Chromium (Playwright): the time from the
keydown to the frame where the reading pane shows the next item, measured in the page
(performance.now), so Playwright's own round trips are not counted. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from history import History, build_history, curator, fresh_copy, measure  # noqa: E402

CHROMIUM = "/usr/bin/chromium"

KEY_TO_NEXT = """
async (key) => {
  const before = document.querySelector('#pane article')?.dataset.item;
  const started = performance.now();
  document.dispatchEvent(new KeyboardEvent('keydown', {key: key, bubbles: true}));
  await new Promise((resolve) => {
    const look = () => {
      const shown = document.querySelector('#pane article');
      if (shown && shown.dataset.item !== before) resolve(null);
      else requestAnimationFrame(look);
    };
    look();
  });
  return performance.now() - started;
}
"""


def median_ms(call: Callable[[], Any], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds (CPU: this process's threads, so other work on a
    loaded machine stretches the first, not the second)."""
    call()  # warm: templates compiled, caches filled
    wall, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def server_times(config: Path, runs: int) -> dict[str, tuple[float, float]]:
    from starlette.testclient import TestClient

    from curator.app import Curator
    from curator.web.app import QUEUE_PAGE, create_app

    database = config.with_name("history.db")
    app = Curator.open(config, f"sqlite:///{database}")
    profile = app.settings.profiles[0].name
    client = TestClient(create_app(app), base_url="http://127.0.0.1:8421")
    head = app.queue(profile, limit=QUEUE_PAGE)
    first = head[0].item.id
    pages = {
        "today": f"/p/{profile}/today",
        "queue": f"/p/{profile}/queue",
        # the rows the queue loads as the user nears the end of its first page
        "queue next rows": f"/p/{profile}/queue/rows?after={head[-1].item.id}",
        "reading pane": f"/p/{profile}/queue/{first}",
        "calendar": f"/p/{profile}/calendar",
        "feeds": f"/p/{profile}/feeds",
    }
    out: dict[str, Any] = {}
    for name, path in pages.items():
        headers = {"HX-Request": "true"} if name in ("reading pane", "queue next rows") else {}

        def get(path: str = path, headers: dict[str, str] = headers) -> None:
            answer = client.get(path, headers=headers)
            assert answer.status_code == 200, (path, answer.status_code)

        out[name] = median_ms(get, runs)
    out[f"facade queue(limit={QUEUE_PAGE})"] = median_ms(
        lambda: app.queue(profile, limit=QUEUE_PAGE), runs
    )
    out["facade queue() whole"] = median_ms(lambda: app.queue(profile), max(3, runs // 5))
    app.close()
    cli = [measure(curator(config, "queue", "list", "--profile", profile)) for _ in range(5)]
    out["curator queue list (process)"] = (
        statistics.median(s.seconds for s in cli) * 1000,
        statistics.median(s.cpu for s in cli) * 1000,
    )
    return out


def browser_times(config: Path, presses: int, pause: float) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    from curator.app import Curator
    from curator.scheduler import Service, ServiceOptions
    from curator.web.app import create_app

    database = config.with_name("history.db")
    app = Curator.open(config, f"sqlite:///{database}")
    profile = app.settings.profiles[0].name
    service = Service(
        app,
        ServiceOptions(port=0, tick_seconds=86400),
        web=lambda routes: create_app(app, routes=routes),
    )
    service.start()
    out: dict[str, Any] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{service.address}/p/{profile}/queue")
            page.wait_for_selector("#pane article")
            for key in ("j", "x"):
                page.evaluate(KEY_TO_NEXT, key)  # warm
                times = []
                for _ in range(presses):
                    # a quick reader's pace: the page fetches the next panes meanwhile
                    page.wait_for_timeout(pause * 1000)
                    times.append(page.evaluate(KEY_TO_NEXT, key))
                out[f"key {key} -> next item shown"] = statistics.median(times)
                out[f"key {key} max"] = max(times)
            browser.close()
    finally:
        service.stop()
        app.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/curator-web-history"))
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--presses", type=int, default=20)
    parser.add_argument(
        "--pause", type=float, default=0.3, help="seconds between two keys (0: back to back)"
    )
    parser.add_argument("--reuse", action="store_true", help="reuse the database built before")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "web.json")
    args = parser.parse_args()
    history = History.load(args.folder) if args.reuse else None
    if history is None or history.items != args.items:
        print(f"building {args.items} items in {args.folder} ...", file=sys.stderr)
        history = build_history(args.folder, items=args.items)
    config = fresh_copy(history, "web")
    server = server_times(config, args.runs)
    browser = browser_times(config, args.presses, args.pause) if Path(CHROMIUM).exists() else {}
    result = {
        "items": history.items,
        "profiles": 5,
        "runs": args.runs,
        "measured_at": datetime.now(UTC).isoformat(),
        "load_average": os.getloadavg(),
        "server_ms": {k: {"wall": round(w, 1), "cpu": round(c, 1)} for k, (w, c) in server.items()},
        "browser_ms": {k: round(v, 1) for k, v in browser.items()},
        "seconds_between_keys": args.pause,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    cli = server["curator queue list (process)"][0]
    print(f"{history.items} items, 5 profiles, median of {args.runs} (ms; target <= 50)")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"  {'':<32} {'wall':>8} {'cpu':>8}   wall / `curator queue list`")
    for name, (wall, cpu) in server.items():
        print(f"  {name:<32} {wall:8.1f} {cpu:8.1f}   x{wall / cli:5.3f}")
    for name, ms in browser.items():
        print(f"  {name:<32} {ms:8.1f}   (target <= 100; {args.pause} s between keys)")
    print(f"written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
