"""A year of history (issue 19): every command on a 100,000-item database, as whole processes.

    python bench/history.py              # build /tmp/curator-history, run, print, write JSON
    python bench/history.py --reuse      # reuse the database built by an earlier run
    python bench/history.py --items 20000 --runs 3 --out bench/results/history.json
    python bench/history.py --reuse --skip score --source /tmp/main   # beside older code
    python bench/history.py --reuse --only status,digest,run --source /tmp/main  # these lines

The database: 200 synthetic feeds whose items are built from the shared ranking corpus (Le Monde
2017 in French, AG News in English; ../shared/corpus/ranking or --corpus), published over a
year, 5 profiles with realistic objectives, some decisions and a plan. Every item was fetched in
the last four weeks (subscriptions imported with their archives): the whole corpus is in the
scoring window, the hardest case for the scorer. It is built with bulk inserts and stored under
/tmp; `--reuse` keeps it between runs (each line works on a fresh copy of it).

Every line runs `curator ...` as a subprocess (start-up included), a few times, and reports the
median wall time and the peak resident memory of the process. `score` runs beside plain
scikit-learn TF-IDF + cosine over the same items and profiles, in the same run. With
`--source DIR` every command also runs with the curator package taken from DIR (for instance
`git archive` of an older commit), each run of the two versions one after the other, so that
both meet the same load. Each version works on its own copy of the database, migrated by its
own code before anything is measured (a newer migration would make a shared copy unreadable to
the older code): build the database with the older code when the two schemas differ. Both
packages are compiled to bytecode first, as installed ones are.
Nothing here is asserted: the test suite never times anything.

`build_history(folder, ...)` is the reusable part: it writes feeds.yaml and the database and
returns what the lines need (ids of pending items per profile, a slot id).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from fetch_scale import rss_mb  # noqa: E402

from tests.support.content import corpus_root  # noqa: E402

N_FEEDS = 200
FRENCH_FEEDS = 60  # feeds 0..59 carry Le Monde texts, the others AG News
TEXT_CHARS = 1500  # stored text per item: what a feed's summary or an extract holds

PROFILES = [
    (
        "claire",
        "fr",
        "Europe/Paris",
        "Économiste indépendante à Lyon, je conseille des PME sur l'emploi, la fiscalité et les "
        "politiques publiques. Je partage des analyses sur le chômage, les réformes du code du "
        "travail, le budget de l'État et la croissance, pour être reconnue comme experte.",
        ["réforme du code du travail", "chômage", "budget"],
        ["horoscope"],
    ),
    (
        "malik",
        "fr",
        "Europe/Paris",
        "Consultant en affaires publiques européennes à Bruxelles : je suis les élections, la "
        "diplomatie, l'Union européenne et les relations avec l'Afrique, et je publie des "
        "commentaires pour mes clients institutionnels.",
        ["Union européenne", "diplomatie"],
        ["football"],
    ),
    (
        "ana",
        "en",
        "America/New_York",
        "Technology analyst covering software companies, the internet, space exploration and "
        "scientific research. I share what new products, launches and studies mean for CIOs "
        "and investors.",
        ["software", "space"],
        ["celebrity"],
    ),
    (
        "tom",
        "en",
        "Europe/London",
        "Markets and business writer: earnings, mergers and acquisitions, oil prices, central "
        "banks and the economy. My audience is finance professionals who want the story behind "
        "the numbers.",
        ["earnings", "oil prices"],
        [],
    ),
    (
        "lea",
        "en",
        "Europe/Berlin",
        "Sports marketing manager: I follow football, tennis, the Olympics and the business of "
        "sport (sponsorship, broadcasting rights, athletes as brands) and comment on it for "
        "clubs and sponsors.",
        ["sponsorship", "Olympics"],
        ["doping"],
    ),
]


def _profile_yaml(
    name: str, lang: str, tz: str, objective: str, boost: list[str], block: list[str]
) -> str:
    return f"""\
  - name: {name}
    objective: {json.dumps(objective, ensure_ascii=False)}
    language: {lang}
    timezone: {tz}
    keywords:
      boost: {json.dumps(boost, ensure_ascii=False)}
      block: {json.dumps(block, ensure_ascii=False)}
    schedule:
      slots:
        - {{day: mon, time: "08:30", kind: relay}}
        - {{day: wed, time: "12:15", kind: relay}}
        - {{day: thu, time: "08:30", kind: original}}
        - {{day: fri, time: "09:00", kind: relay}}
      horizon_days: 14
      max_age_days: 400
    digest:
      time: "07:30"
      max_items: 10
"""


def config_text(n_profiles: int = 5) -> str:
    """feeds.yaml: `n_profiles` profiles (the five above, then variants of them) and 200 feeds
    that are never due (the fetch side has its own bench: these lines measure the rest)."""
    parts = ["database: sqlite:///history.db\nprofiles:\n"]
    for k in range(n_profiles):
        name, lang, tz, objective, boost, block = PROFILES[k % len(PROFILES)]
        if k >= len(PROFILES):
            name = f"{name}{k // len(PROFILES) + 1}"
        parts.append(_profile_yaml(name, lang, tz, objective, boost, block))
    parts.append("feeds:\n")
    for f in range(N_FEEDS):
        parts.append(f"  - url: http://127.0.0.1:9/feed-{f:03d}.xml\n    name: Feed {f:03d}\n")
    return "".join(parts)


@dataclass
class Doc:
    title: str
    text: str
    lang: str


def load_docs(corpus: Path) -> tuple[list[Doc], list[Doc]]:
    """(French, English) documents of the ranking corpus."""
    fr = []
    with (corpus / "ranking" / "lemonde_fr" / "lemonde_2017.jsonl").open(encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            fr.append(Doc(d["title"], d["text"][:TEXT_CHARS], "fr"))
    en = []
    with (corpus / "ranking" / "ag_news_en" / "ag_news_test.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            text = row["description"].replace("\\", " ")
            en.append(Doc(row["title"], text, "en"))
    return fr, en


@dataclass
class History:
    folder: Path
    config: Path
    database: Path
    items: int
    built_at: str
    pending: dict[str, list[int]] = field(default_factory=dict)  # best pending ids per profile
    slot_id: str | None = None

    def save(self) -> None:
        data = asdict(self) | {"folder": str(self.folder), "config": str(self.config)}
        data["database"] = str(self.database)
        (self.folder / "history.json").write_text(json.dumps(data, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> History | None:
        path = folder / "history.json"
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            Path(data["folder"]),
            Path(data["config"]),
            Path(data["database"]),
            data["items"],
            data["built_at"],
            data["pending"],
            data["slot_id"],
        )


def _item_rows(
    n: int,
    feed_ids: Sequence[int],
    fr: Sequence[Doc],
    en: Sequence[Doc],
    now: datetime,
    rng: random.Random,
    *,
    start: int = 0,
    fetched_span: timedelta = timedelta(days=28),
) -> list[dict[str, Any]]:
    rows = []
    for k in range(start, start + n):
        f = k % len(feed_ids)
        docs = fr if f < FRENCH_FEEDS else en
        a, b = docs[(k * 7919) % len(docs)], docs[(k * 104729 + 13) % len(docs)]
        # Two texts per item: as many distinct items as the corpus allows combinations.
        text = f"{a.text} {b.text[:300]}"
        title = a.title if k < len(docs) else f"{a.title} ({b.title.split(' ')[0]})"
        digest = hashlib.sha256(f"{k}{title}{text}".encode()).hexdigest()
        fetched = now - fetched_span * rng.random()
        published = min(fetched, now - timedelta(days=365) * rng.random())
        rows.append(
            {
                "feed_id": feed_ids[f],
                "identity": f"guid:item-{k}",
                "guid": f"item-{k}",
                "url": f"https://feed{f:03d}.example.org/{k}",
                "link": f"https://feed{f:03d}.example.org/{k}",
                "title": title,
                "summary": text[:300],
                "content": text,
                "content_source": "feed",
                "language": a.lang,
                "published_at": published,
                "updated_at": None,
                "fetched_at": fetched,
                "content_hash": digest,
                "state": "active",
                "full_text_status": "none",
            }
        )
    return rows


def insert_items(database_url: str, rows: list[dict[str, Any]]) -> None:
    """Bulk insert (one executemany per 5,000 rows), not one ORM object per item."""
    from sqlalchemy import insert

    from curator.store import Database
    from curator.store.models import ItemRow

    db = Database.open(database_url)
    try:
        with db.session() as session:
            for s in range(0, len(rows), 5000):
                session.execute(insert(ItemRow), rows[s : s + 5000])
    finally:
        db.close()


def build_history(
    folder: Path,
    *,
    items: int = 100_000,
    corpus: Path | None = None,
    now: datetime | None = None,
    seed: int = 19,
) -> History:
    """Write `folder`/feeds.yaml and `folder`/history.db: `items` items over a year, 5 profiles,
    scored once, with some decisions per profile and a plan."""
    from curator.app import Curator
    from curator.config import load_settings
    from curator.store import Database
    from curator.store import decisions as decision_store
    from curator.store import queue as queue_store
    from curator.types import Decision, DecisionKind

    root = corpus_root(corpus, expect="ranking")
    if root is None:
        raise SystemExit("the shared corpus (../shared/corpus/ranking) is not on this machine")
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "history.db"
    for stale in folder.glob("history.db*"):
        stale.unlink()
    config = folder / "feeds.yaml"
    config.write_text(config_text(), encoding="utf-8")
    url = f"sqlite:///{database}"
    app = Curator(load_settings(config), Database.open(url), clock=lambda: now)
    feed_ids = [f.id for f in app.feeds()]
    with app.db.engine.begin() as conn:  # never due: see config_text
        conn.exec_driver_sql("UPDATE feeds SET next_fetch_at = '2999-01-01 00:00:00.000000'")
    fr, en = load_docs(root)
    started = time.perf_counter()
    insert_items(url, _item_rows(items, feed_ids, fr, en, now, rng))
    print(f"  {items} items inserted in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    started = time.perf_counter()
    app.score()
    print(f"  scored in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    history = History(folder, config, database, items, now.isoformat())
    with app.db.session() as session:
        for p in app.settings.profiles:
            queue = [e.item.id for e in queue_store.pending(session, p.name, now, limit=200)]
            # A few weeks of reviewing: the best of the queue judged, some liked, most not.
            for k, item_id in enumerate(queue[:40]):
                kind = DecisionKind.APPROVE if k % 4 == 0 else DecisionKind.REJECT
                when = now - timedelta(hours=40 - k)
                decision_store.record(session, Decision(p.name, item_id, kind, when))
            history.pending[p.name] = queue[40:]
    app.score()
    app.plan()
    slots = [s for p in app.plan().plans for s in p.upcoming(now) if s.item_id is not None]
    history.slot_id = slots[0].id if slots else None
    app.close()
    history.save()
    return history


# ---------------------------------------------------------------------------------------------
# Running the lines


@dataclass
class Sample:
    seconds: float
    rss_mb: float
    cpu: float = 0.0  # user + system seconds: comparable when other work shares the cores


@dataclass
class Line:
    what: str
    runs: list[Sample]
    baseline: str | None = None
    baseline_runs: list[Sample] = field(default_factory=list)
    # the same command run by the code of --source, interleaved with these runs
    before_runs: list[Sample] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return statistics.median(s.seconds for s in self.runs)

    @property
    def rss_mb(self) -> float:
        return max(s.rss_mb for s in self.runs)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "what": self.what,
            "seconds": round(self.seconds, 3),
            "cpu_seconds": round(statistics.median(s.cpu for s in self.runs), 3),
            "rss_mb": round(self.rss_mb, 1),
            "runs": [round(s.seconds, 3) for s in self.runs],
        }
        if self.baseline:
            out["baseline"] = self.baseline
            out["baseline_seconds"] = round(
                statistics.median(s.seconds for s in self.baseline_runs), 3
            )
            out["baseline_rss_mb"] = round(max(s.rss_mb for s in self.baseline_runs), 1)
            out["baseline_cpu_seconds"] = round(
                statistics.median(s.cpu for s in self.baseline_runs), 3
            )
        if self.before_runs:
            out["before_seconds"] = round(statistics.median(s.seconds for s in self.before_runs), 3)
            out["before_cpu_seconds"] = round(statistics.median(s.cpu for s in self.before_runs), 3)
            out["before_rss_mb"] = round(max(s.rss_mb for s in self.before_runs), 1)
        return out


def measure(argv: Sequence[str], *, env: dict[str, str] | None = None) -> Sample:
    """One whole process: wall time and peak resident memory (its own, from wait4)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=REPO
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{err}")
    return Sample(seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)


def curator(config: Path, *args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("curator")), "--config", str(config), "-q", *args]


def fresh_copy(history: History, name: str) -> Path:
    """A copy of the built database and its config, so each line starts from the same state."""
    work = history.folder / name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    with sqlite3.connect(history.database) as src, sqlite3.connect(work / "history.db") as dst:
        src.backup(dst)
    shutil.copy(history.config, work / "feeds.yaml")
    return work / "feeds.yaml"


BASELINE = r"""
import sqlite3, sys
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
db, objectives = sys.argv[1], sys.argv[2:]
rows = sqlite3.connect(db).execute("SELECT id, title, content FROM items WHERE state = 'active'")
ids, texts = [], []
for i, title, content in rows:
    ids.append(i)
    texts.append(title + " " + content)
vec = TfidfVectorizer(sublinear_tf=True)
x = vec.fit_transform(texts)
q = vec.transform(objectives)
for row in range(q.shape[0]):
    cos = (x @ q[row].T).toarray().ravel()
    order = np.argsort(-cos, kind="stable")
print(len(ids), x.shape)
"""


# The floor of any command, measured in the same run as the commands: the interpreter alone,
# the interpreter importing SQLAlchemy (what any command on the database loads), and the same
# question a queue command asks answered with the standard library's sqlite3 alone.
FLOORS = [
    ("python: interpreter start-up", "pass"),
    ("python: import sqlalchemy + sqlalchemy.orm", "import sqlalchemy, sqlalchemy.orm"),
    (
        "python: sqlite3, the 20 best of a queue",
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1])\n"
        'rows = c.execute("SELECT s.item_id, i.title FROM scores s JOIN items i ON i.id = '
        's.item_id WHERE s.profile = ? AND s.rank IS NOT NULL ORDER BY s.rank LIMIT 20", '
        "(sys.argv[2],)).fetchall()\n"
        "print(len(rows))",
    ),
]
#: Which floor each command is compared with (`x floor` in the table).
FLOOR_OF = "python: import sqlalchemy + sqlalchemy.orm"


def run_lines(
    history: History,
    runs: int,
    skip: Sequence[str] = (),
    source: Path | None = None,
    only: Sequence[str] = (),
    service: bool = False,
) -> list[Line]:
    """The floors, then each command; `only` (beginnings of line names) keeps those commands
    alone; `service`: the single commands again, `curator serve` running beside them."""
    lines: list[Line] = []
    # The code before keeps its parsed feeds.yaml in a cache folder of its own: an entry is
    # keyed on the code version, so with one folder each version's run threw the other's away
    # and both parsed the file again (ruamel, ~0.2 s of CPU) on every run.
    before_env = (
        {
            **os.environ,
            "PYTHONPATH": str(source),
            "XDG_CACHE_HOME": str(history.folder / "cache-before"),
        }
        if source
        else None
    )
    profile = PROFILES[0][0]
    pending = list(history.pending[profile])

    def line(what: str, argv_for: Any, n: int = runs) -> Line:
        samples = [measure(argv_for(k)) for k in range(n)]
        result = Line(what, samples)
        lines.append(result)
        print(
            f"  {what:<46} {result.seconds * 1000:9.0f} ms  "
            f"cpu {statistics.median(x.cpu for x in samples) * 1000:7.0f} ms  "
            f"{result.rss_mb:7.0f} MB",
            file=sys.stderr,
        )
        return result

    def copies(name: str) -> tuple[Path, Path | None]:
        """A copy of the database for this code (migrated first, unmeasured) and, with
        --source, another one for the code before: a migration the newer code applies would
        make its copy unreadable to the older code."""
        config = fresh_copy(history, name)
        measure(curator(config, "db", "upgrade"))
        if before_env is None:
            return config, None
        theirs = fresh_copy(history, f"{name}-before")
        measure(curator(theirs, "db", "upgrade"), env=before_env)
        return config, theirs.parent / "history.db"

    def wanted(what: str) -> bool:
        return not only or any(what.startswith(o) for o in only)

    def command(
        what: str, argv_for: Any, n: int = runs, before_db: Path | None = None
    ) -> Line | None:
        if not wanted(what):
            return None
        if before_env is None:
            result = line(what, argv_for, n)
        else:
            samples, before = [], []
            env = {**before_env, "CURATOR_DB": f"sqlite:///{before_db}"} if before_db else None
            for k in range(n):
                side["database"] = None
                samples.append(measure(argv_for(k)))
                side["database"] = before_db
                before.append(measure(argv_for(k), env=env or before_env))
            result = Line(what, samples, before_runs=before)
            lines.append(result)
            print(
                f"  {what:<46} {result.seconds * 1000:9.0f} ms  "
                f"cpu {statistics.median(x.cpu for x in samples) * 1000:7.0f} ms  "
                f"{result.rss_mb:7.0f} MB   before: "
                f"{statistics.median(x.seconds for x in before) * 1000:7.0f} ms  "
                f"cpu {statistics.median(x.cpu for x in before) * 1000:7.0f} ms",
                file=sys.stderr,
            )
        compared(result)
        return result

    # The database the code before works on while its runs are measured (None: this code's)
    side: dict[str, Path | None] = {"database": None}
    config, single_before = copies("single")
    database = str(config.parent / "history.db")
    floors = {
        what: line(what, lambda k, code=code: [sys.executable, "-c", code, database, profile])
        for what, code in FLOORS
    }
    floor = floors[FLOOR_OF]

    def compared(result: Line) -> None:
        result.baseline, result.baseline_runs = FLOOR_OF, floor.runs

    item = pending[0]
    command(
        "queue show ID",
        lambda k: curator(config, "queue", "show", str(item), "--profile", profile),
        before_db=single_before,
    )
    ids = iter(pending[1:])
    approved: list[int] = []

    def approve(k: int) -> list[str]:
        approved.append(next(ids))
        return curator(
            config,
            "queue",
            "approve",
            str(approved[-1]),
            "--profile",
            profile,
            "--comment",
            "Un point de vue utile pour mes clients PME.",
        )

    command("queue approve ID", approve, before_db=single_before)
    command(
        "queue reject ID",
        lambda k: curator(config, "queue", "reject", str(next(ids)), "--profile", profile),
        before_db=single_before,
    )
    command(
        "queue snooze ID",
        lambda k: curator(
            config, "queue", "snooze", str(next(ids)), "--profile", profile, "--until", "+3d"
        ),
        before_db=single_before,
    )
    command(
        "queue undo",
        lambda k: curator(config, "queue", "undo", "--profile", profile),
        before_db=single_before,
    )
    if history.slot_id:
        slot = history.slot_id
        command(
            "slot comment ID",
            lambda k: curator(
                config, "slot", "comment", slot, "--text", f"Mon avis, version {k} : à lire."
            ),
            before_db=single_before,
        )
    command("status", lambda k: curator(config, "status"), before_db=single_before)
    command(
        "digest --dry-run (1 profile)",
        lambda k: curator(config, "digest", "--profile", profile, "--dry-run"),
        before_db=single_before,
    )

    if service:
        lines += _served_lines(history, runs, profile, pending[len(approved) + 4 :])
    if "run" in skip:
        return lines
    run_line = "run after 8 new items (5 profiles)"
    if not wanted(run_line):
        return lines
    run_config, run_before = copies("run")
    settings_feeds = _feed_ids(run_config.parent / "history.db")
    rng = random.Random(8)
    fr, en = load_docs(corpus_root(expect="ranking") or Path("."))
    counter = [history.items]

    def run(k: int) -> list[str]:
        # 8 new items arrive, as a fetch would store them; then the whole main job.
        now = datetime.now(UTC)
        rows = _item_rows(
            8, settings_feeds, fr, en, now, rng, start=counter[0], fetched_span=timedelta(minutes=5)
        )
        counter[0] += 8
        insert_items(f"sqlite:///{side['database'] or run_config.parent / 'history.db'}", rows)
        return curator(run_config, "run")

    command(run_line, run, before_db=run_before)
    if "score" in skip or not wanted("score"):
        return lines
    lines.append(score_line(history, runs))
    return lines


def _served_lines(history: History, runs: int, profile: str, pending: list[int]) -> list[Line]:
    """The single commands while `curator serve` runs on their database, which answers them
    (curator.cli.relay), each beside the same command on its own (CURATOR_RELAY=0), in turns:
    the service idle between its jobs, as it is most of the day."""
    config = fresh_copy(history, "served")
    measure(curator(config, "db", "upgrade"))
    serve = subprocess.Popen(
        [str(Path(sys.executable).with_name("curator")), "--config", str(config), "-v",
         "serve", "--port", "0", "--tick", "3600"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert serve.stderr is not None
    started = time.perf_counter()
    # Its first jobs (refresh: fetch, score, plan) run at start: measured once they are done.
    for said in serve.stderr:
        if '"job": "refresh"' in said:
            break
    print(f"  (service ready after {time.perf_counter() - started:.0f} s)", file=sys.stderr)
    drain = threading.Thread(target=lambda: serve.stderr and serve.stderr.read(), daemon=True)
    drain.start()
    rss_before = rss_mb(serve.pid)
    alone = {**os.environ, "CURATOR_RELAY": "0"}
    ids = iter(pending)
    slot = history.slot_id
    commands: list[tuple[str, Any]] = [
        ("queue show ID", lambda: ("queue", "show", str(pending[0]), "--profile", profile)),
        ("queue reject ID", lambda: ("queue", "reject", str(next(ids)), "--profile", profile)),
        ("queue undo", lambda: ("queue", "undo", "--profile", profile)),
        (
            "queue approve ID",
            lambda: (
                *("queue", "approve", str(next(ids)), "--profile", profile),
                *("--comment", "Un point de vue utile pour mes clients PME."),
            ),
        ),
        (
            "queue snooze ID",
            lambda: ("queue", "snooze", str(next(ids)), "--profile", profile, "--until", "+3d"),
        ),
        ("status", lambda: ("status",)),
    ]
    if slot:
        commands.append(("slot comment ID", lambda: ("slot", "comment", slot, "--text", "À lire.")))
    lines: list[Line] = []
    try:
        for what, args in commands:
            served, own = [], []
            for _ in range(runs):
                served.append(measure(curator(config, *args())))
                own.append(measure(curator(config, *args()), env=alone))
            result = Line(f"{what}, service running", served)
            result.baseline, result.baseline_runs = "the same command on its own", own
            lines.append(result)
            print(
                f"  {result.what:<46} {result.seconds * 1000:9.0f} ms  "
                f"cpu {statistics.median(x.cpu for x in served) * 1000:7.0f} ms   on its own: "
                f"{statistics.median(x.seconds for x in own) * 1000:7.0f} ms",
                file=sys.stderr,
            )
        # What answering them left in the service (its memory is bounded between jobs)
        print(
            f"  (service resident memory: {rss_before:.0f} MB before the commands, "
            f"{rss_mb(serve.pid):.0f} MB after)",
            file=sys.stderr,
        )
    finally:
        serve.terminate()
        serve.wait(60)
    return lines


def score_line(history: History, runs: int) -> Line:
    """`curator score` with 20 profiles, beside plain scikit-learn in the same run."""
    score_config = fresh_copy(history, "score20")
    score_config.write_text(config_text(20), encoding="utf-8")
    measure(curator(score_config, "feeds", "list"))  # the 15 more profiles enter the database
    score = Line(
        f"score, {history.items} items x 20 profiles",
        [measure(curator(score_config, "score")) for _ in range(max(1, runs // 2))],
    )
    print(
        f"  {score.what:<46} {score.seconds * 1000:9.0f} ms  "
        f"cpu {statistics.median(x.cpu for x in score.runs) * 1000:7.0f} ms  "
        f"{score.rss_mb:7.0f} MB",
        file=sys.stderr,
    )
    objectives = [PROFILES[k % len(PROFILES)][3] for k in range(20)]
    score.baseline = "plain scikit-learn TF-IDF + cosine (same items, 20 objectives)"
    score.baseline_runs = [
        measure(
            [sys.executable, "-c", BASELINE, str(score_config.parent / "history.db"), *objectives]
        )
        for _ in range(max(1, runs // 2))
    ]
    base = statistics.median(s.seconds for s in score.baseline_runs)
    cpu = statistics.median(s.cpu for s in score.baseline_runs)
    print(
        f"  {'  baseline: plain scikit-learn':<46} {base * 1000:9.0f} ms  cpu {cpu * 1000:7.0f} ms"
        f"  {max(s.rss_mb for s in score.baseline_runs):7.0f} MB",
        file=sys.stderr,
    )
    return score


def compile_bytecode(*folders: Path) -> None:
    """Each side's curator package compiled to bytecode first, as an installed package is:
    with PYTHONDONTWRITEBYTECODE set and no bytecode, every command compiles curator's modules
    again (about 0.15 s of CPU a command here)."""
    import compileall

    for folder in folders:
        compileall.compile_dir(str(folder / "curator"), quiet=1)


def _feed_ids(database: Path) -> list[int]:
    with sqlite3.connect(database) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM feeds ORDER BY id")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folder", type=Path, default=Path("/tmp/curator-history"))
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="reuse the database built before")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument(
        "--score-only", action="store_true", help="only `curator score` beside scikit-learn"
    )
    parser.add_argument("--corpus", type=Path)
    parser.add_argument(
        "--source",
        type=Path,
        help="also run each command with the curator package of this folder (the code before)",
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "history.json")
    parser.add_argument("--table", type=Path, help="only print the table of a JSON written before")
    parser.add_argument(
        "--skip",
        default="",
        type=lambda s: [x for x in s.split(",") if x],
        help="lines left out, comma-separated: score, or run (which leaves out score too)",
    )
    parser.add_argument(
        "--only",
        default="",
        type=lambda s: [x for x in s.split(",") if x],
        help="only the commands whose line starts so, comma-separated (the floors always run):"
        " e.g. status,digest,run",
    )
    parser.add_argument(
        "--service",
        action="store_true",
        help="the single commands again with `curator serve` running, which answers them",
    )
    args = parser.parse_args()
    if args.table:
        print(markdown_table(json.loads(args.table.read_text(encoding="utf-8"))))
        return
    history = History.load(args.folder) if args.reuse else None
    if history is None or history.items != args.items:
        print(f"building {args.items} items in {args.folder} ...", file=sys.stderr)
        started = time.perf_counter()
        history = build_history(args.folder, items=args.items, corpus=args.corpus)
        print(f"  built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    if args.build_only:
        return
    compile_bytecode(REPO, *([args.source] if args.source else []))
    print(f"{args.items} items, {args.runs} runs each (median wall, peak RSS):", file=sys.stderr)
    if args.score_only:
        lines = [score_line(history, args.runs)]
    else:
        lines = run_lines(history, args.runs, args.skip, args.source, args.only, args.service)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "items": history.items,
                "runs": args.runs,
                "measured_at": datetime.now(UTC).isoformat(),
                "cpus": os.cpu_count(),
                # Other work on the machine stretches wall times, not CPU times.
                "load_average": os.getloadavg(),
                "before_source": str(args.source) if args.source else None,
                "lines": [ln.as_dict() for ln in lines],
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    print()
    print(markdown_table(json.loads(args.out.read_text(encoding="utf-8"))))
    print(f"\nwritten to {args.out}", file=sys.stderr)


def markdown_table(data: dict[str, Any]) -> str:
    """The README's "How curator scales" table, from the JSON this script writes."""
    before = any("before_seconds" in d for d in data["lines"])
    rows = [
        f"| what ({data['items']:,} items) | wall | CPU | peak RSS | baseline, same run "
        "| wall / baseline |" + (" before, wall / CPU (same run) |" if before else ""),
        "|---|---|---|---|---|---|" + ("---|" if before else ""),
    ]
    for d in data["lines"]:
        base = ratio = ""
        if d.get("baseline"):
            base = (
                f"{d['baseline_seconds']:.2f} s, CPU {d['baseline_cpu_seconds']:.2f} s, "
                f"{d['baseline_rss_mb']:.0f} MB ({d['baseline']})"
            )
            ratio = f"{d['seconds'] / d['baseline_seconds']:.1f}x"
        what = d["what"] if d["what"].startswith("python:") else f"`curator {d['what']}`"
        then = ""
        if before:
            then = (
                f" {d['before_seconds']:.2f} s / {d['before_cpu_seconds']:.2f} s |"
                if "before_seconds" in d
                else " |"
            )
        rows.append(
            f"| {what} | {d['seconds']:.2f} s | {d['cpu_seconds']:.2f} s "
            f"| {d['rss_mb']:.0f} MB | {base} | {ratio} |{then}"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    main()
