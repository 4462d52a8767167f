"""The fetch pipeline: due feeds -> fetch concurrently -> parse (worker processes) -> store.

Network work runs on one asyncio loop (`Fetcher`), CPU work (feedparser, language detection,
trafilatura) in an executor of worker processes so both cores work, and storage in one writer
thread behind a `Sink`, so SQLite sees a single writer and the loop never blocks on it. Each
feed flows through on its own: a slow or broken feed delays nobody, and an exception in one
feed's path becomes that feed's error, never the run's.

Storage is behind the `Sink` protocol so this module knows nothing of SQLAlchemy: the
database side of the use case is `curator.ingest.service`.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.context import BaseContext
from typing import Protocol, TypeVar

from curator.errors import CuratorError, StorageError
from curator.ingest.fetch import Fetcher, FetchResult, FetchStatus
from curator.ingest.report import FeedOutcome, FeedReport, PageJob
from curator.job_process import start_fork_server
from curator.types import Feed, FetchSettings, FullTextMode, ParsedEntry

log = logging.getLogger(__name__)

T = TypeVar("T")
Progress = Callable[[FeedReport, int, int], None]  # (feed report, done, total)


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A feed document as the worker parsed it (picklable: it crosses process boundaries)."""

    title: str | None = None
    site_url: str | None = None
    ttl_minutes: int | None = None
    warning: str | None = None
    entries: tuple[ParsedEntry, ...] = ()
    # Each entry's (identity, canonical URL, content hash) (dedupe.entry_keys), aligned with
    # `entries`, computed here so the single writer thread does not canonicalise and hash
    # every entry itself.
    keys: tuple[tuple[str, str | None, str], ...] = ()
    # Each entry's language as far as it is settled without the model (lang.settle_language):
    # "fr" / "en" / "other" / None, or lang.UNSETTLED where only the model can tell.
    languages: tuple[str | None, ...] = ()
    # Whether each entry gives only part of its article (extract.looks_truncated); empty when
    # the feed never wants full text.
    truncated: tuple[bool, ...] = ()
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PageText:
    """An article page's extracted text and metadata, or why there is none."""

    text: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    error: str | None = None


def parse_document(
    body: bytes, url: str, headers: dict[str, str], full_text: bool = False
) -> ParsedDocument:
    """Worker side: bytes -> entries, with what the writer needs of each entry computed here,
    in parallel: its keys, its language when settled without the model, and (`full_text`:
    the feed may want article pages) whether it looks truncated. Never raises (a parser bug
    must not take the run down; it becomes this feed's error)."""
    from curator.extract import looks_truncated
    from curator.ingest.dedupe import entry_keys
    from curator.ingest.parse import parse_feed
    from curator.ingest.sanitize import TITLE_CHARS, storable_entry, storable_line, storable_url
    from curator.lang import language_sample, settle_language

    try:
        parsed = parse_feed(body, url=url, headers=headers)
        # Cleaned and capped before anything is computed from them (issue 13).
        entries = tuple(storable_entry(e) for e in parsed.entries)
        keys = entry_keys(entries)
        languages = tuple(
            settle_language(language_sample(e.title, e.text), hint=e.language) for e in entries
        )
        truncated = tuple(looks_truncated(e) for e in entries) if full_text else ()
    except CuratorError as e:
        return ParsedDocument(error=getattr(e, "message", str(e)))
    except Exception as e:
        return ParsedDocument(error=f"parser failed: {type(e).__name__}: {e}")
    return ParsedDocument(
        title=storable_line(parsed.title, TITLE_CHARS) if parsed.title else None,
        site_url=storable_url(parsed.site_url),
        ttl_minutes=parsed.ttl_minutes,
        warning=parsed.warning,
        entries=entries,
        keys=tuple(keys),
        languages=languages,
        truncated=truncated,
    )


def detect_languages(texts: Sequence[tuple[int, str, str | None]]) -> dict[int, str | None]:
    """Worker side: (item id, text, declared language) -> fr | en | other | None.

    Only for the stored new items whose language `parse_document` could not settle without
    the model: the model (~100 MB, half a second to load) is loaded only when one comes."""
    from curator.lang import detect_language

    out: dict[int, str | None] = {}
    for item_id, text, hint in texts:
        try:
            # Only the texts the function words left unsettled come here: straight to the model.
            out[item_id] = detect_language(text, hint=hint, quick=False)
        except Exception:  # a language is a nicety, never a reason to lose the entries
            out[item_id] = None
    return out


def extract_page(body: bytes, url: str, headers: dict[str, str]) -> PageText:
    """Worker side: an article page -> its main text and metadata (curator.extract)."""
    from curator.extract import extract_article
    from curator.ingest.sanitize import AUTHOR_CHARS, CONTENT_CHARS, storable_line, storable_text

    try:
        article = extract_article(body, url, headers)
    except CuratorError as e:
        return PageText(error=str(e))
    except Exception as e:
        return PageText(error=f"extraction failed: {type(e).__name__}: {e}")
    return PageText(
        text=storable_text(article.text, CONTENT_CHARS) if article.text else article.text,
        author=storable_line(article.author, AUTHOR_CHARS) or None if article.author else None,
        published_at=article.published_at,
        language=article.language,
    )


@dataclass(frozen=True, slots=True)
class StoredFeed:
    report: FeedReport
    pages: list[PageJob] = field(default_factory=list)  # full text wanted
    texts: list[tuple[int, str, str | None]] = field(default_factory=list)  # language wanted


class Sink(Protocol):
    """The storage side of the pipeline; every call runs in the single writer thread."""

    def store_feed(
        self, feed: Feed, result: FetchResult, document: ParsedDocument | None
    ) -> StoredFeed: ...

    def store_languages(self, languages: dict[int, str | None]) -> None: ...

    def store_page(self, job: PageJob, page: PageText) -> bool: ...

    def flush(self) -> None:
        """Write whatever `store_feed` held back; called once the feeds are done."""


# What the workers run (parse_document, detect_languages, extract_page) imports: loaded once
# before the workers start, by this process (fork) or by the fork server.
_PRELOAD = [
    "curator.ingest.pipeline",
    "curator.ingest.parse",
    "curator.ingest.dedupe",
    "curator.lang",
    "curator.extract",
]
# All the language worker needs before its first task (it imports its model's modules itself).
_LANGUAGE_PRELOAD = ["curator.ingest.pipeline", "curator.lang"]


class Workers:
    """Where CPU work runs: `parse` for feeds and article pages, `languages` for language
    detection, a process of its own so the ~100 MB language model is loaded once, in one
    process, while the parse workers stay small.

    A worker that dies (killed for memory, a crash in a C extension on a hostile page) breaks
    its whole pool; `run` then starts a fresh pool and retries, so one bad document costs its
    own feed, not the rest of the run.
    """

    RETRIES = 2

    def __init__(self, parse: Executor, languages: Executor) -> None:
        self.parse = parse
        self.languages = languages
        self.replaced = 0

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        _end_pool(self.parse)
        if self.languages is not self.parse:
            _end_pool(self.languages)

    async def run(self, kind: str, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` on the `kind` ("parse" or "languages") executor."""
        for attempt in range(self.RETRIES + 1):
            executor: Executor = getattr(self, kind)
            try:
                return await _call(executor, fn, *args)
            except BrokenProcessPool:
                if attempt == self.RETRIES:
                    raise
                # A moment before new workers: a task that failed to start a worker on the
                # breaking pool can take the fork server down with it (Python 3.11 ends it on
                # a request cut short), and until it has exited it is not started again, so
                # the next workers were refused at once, every retry (seen in a test).
                await asyncio.sleep(RETRY_PAUSE * (attempt + 1))
                self._replace(kind, executor)
        raise AssertionError("unreachable")

    def _replace(self, kind: str, broken: Executor) -> None:
        if getattr(self, kind) is not broken or not isinstance(broken, ProcessPoolExecutor):
            return  # another task replaced it already
        log.warning("a %s worker died; starting new workers", kind)
        workers = broken._max_workers  # type: ignore[attr-defined]
        _end_pool(broken, broken=True)
        # Threads run now (the loop's executors), so no fork: a clean fork server.
        fresh = _pool(workers, _clean_context())
        if self.languages is broken:
            self.languages = fresh
        if self.parse is broken:
            self.parse = fresh
        self.replaced += 1


RETRY_PAUSE = 0.2  # seconds before the first retry on new workers; twice that before the next


def _end_pool(pool: Executor, *, broken: bool = False) -> None:
    """Shut `pool` down; one that is `broken` (or says so: a worker died) without waiting, its
    remaining workers killed. They are of no use, and one waiting for work can be stuck for
    good on the task queue's lock, held by the worker that died: the pool ends its workers
    with SIGTERM as it shuts down, which once did not end such a one, and joining it, CI's
    test run hung at exit. SIGKILL cannot be missed."""
    broken = broken or bool(getattr(pool, "_broken", False))
    # Taken before `shutdown`, which drops the list.
    stranded = list((getattr(pool, "_processes", None) or {}).values()) if broken else []
    pool.shutdown(wait=not broken, cancel_futures=broken)
    for process in stranded:
        process.kill()


def _pool(workers: int, context: BaseContext) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_die_with_owner,
        initargs=(os.getpid(),),
    )


def _die_with_owner(owner: int) -> None:
    """Worker start-up: end this worker when the process that owns the pool dies.

    A worker waits for work on a pipe whose write end it holds itself, so an owner killed
    outright (SIGKILL, the OOM killer) never gives it end-of-file: without this it would wait
    forever, holding its memory (and, for the service, its fork server with it). A forked
    worker asks Linux to end it with its parent (PR_SET_PDEATHSIG); one started by a fork
    server, whose parent is that server, watches the owner itself.
    """
    import signal

    if os.getppid() == owner:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != owner:
                    os._exit(1)  # the owner died before the request took effect
                return
        except (OSError, AttributeError):  # not Linux: watch instead
            pass
    threading.Thread(
        target=_watch_owner, args=(owner,), name="curator-owner-watch", daemon=True
    ).start()


def _watch_owner(owner: int) -> None:
    """Exit as soon as `owner` has ended (a pidfd wakes us at once; else poll)."""
    import select
    import time

    try:
        handle = os.pidfd_open(owner)
    except (AttributeError, OSError):  # not Linux 5.3+, or already gone
        handle = None
    if handle is not None:
        select.select([handle], [], [])  # readable once the process has ended
        os._exit(1)
    while _running(owner):
        time.sleep(1.0)
    os._exit(1)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # ended but not yet reaped by its own parent: a zombie is gone for us
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return True


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _clean_context(preload: Sequence[str] = _PRELOAD) -> BaseContext:
    """Workers started by a fork server (a process of its own, started clean, that imports
    `preload` once): safe whatever threads run here. `preload` counts only for the first
    call of a process: the server then keeps running."""
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(list(preload))
        start_fork_server()
        return context
    return multiprocessing.get_context("spawn")


def make_workers(jobs: int) -> Workers:
    """Worker processes for CPU-bound work, or one thread when there is too little to share.

    fork is used where it is safe: the parse workers inherit the already imported parsers
    instead of importing them again, and they are forked here, while this process runs no
    other thread. A process that already runs other threads (the service's scheduler) could
    hand a child a lock held forever, so it uses a fork server instead, started clean.

    The language worker always comes from a fork server: once the parse pool has forked, its
    manager and queue threads run here, and a child forked then could inherit a lock one of
    them held at that instant. That happened: a language worker forked that way hung for
    good loading numpy (the dynamic loader's lock), and the fetch waited on it forever.
    """
    cpus = os.cpu_count() or 1
    if jobs < 4 or cpus < 2:
        thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="curator-parse")
        return Workers(thread, thread)
    methods = multiprocessing.get_all_start_methods()
    context: BaseContext
    if "fork" in methods and threading.active_count() == 1:
        for module in _PRELOAD:
            importlib.import_module(module)

        context = multiprocessing.get_context("fork")
    else:
        context = _clean_context()
    # Objects alive now are moved out of the collector's reach while forking: a collection in
    # a child would otherwise write to every object header and copy the parent's memory page
    # by page (gc.freeze exists for exactly this).
    gc.freeze()
    try:
        parse_pool = _pool(min(cpus, jobs), context)
        # With fork, the first submit forks every worker at once (before returning): they
        # start now, from this thread-free state. Nothing to wait for.
        parse_pool.submit(int)
        language_pool = _pool(1, _clean_context(_LANGUAGE_PRELOAD))
        language_pool.submit(int)
    finally:
        gc.unfreeze()
    return Workers(parse_pool, language_pool)


async def _call(executor: Executor, fn: Callable[..., T], *args: object) -> T:
    loop = asyncio.get_running_loop()
    try:
        future = loop.run_in_executor(executor, fn, *args)
    except OSError as error:
        # Submitting starts a worker when none is idle. A pool whose worker just died closes
        # its queue meanwhile, before it says it is broken: starting that worker then fails
        # on the closed queue ("Bad file descriptor"). The pool is broken all the same, and
        # `Workers.run` replaces it (CI saw the feed fail instead, under a shifted clock).
        if isinstance(executor, ProcessPoolExecutor):
            raise BrokenProcessPool(f"starting a worker failed: {error}") from error
        raise
    return await future


class Pipeline:
    def __init__(
        self,
        settings: FetchSettings,
        sink: Sink,
        *,
        workers: Workers,
        writer: Executor,
        now: datetime,
        progress: Progress | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.stop = stop
        self.sink = sink
        self.workers = workers
        self.writer = writer
        self.now = now
        self.progress = progress
        self.pages_ok = 0
        self.pages_failed = 0
        self._done = 0
        self._total = 0

    async def run(
        self, feeds: Sequence[Feed], leftover_pages: Sequence[PageJob] = ()
    ) -> list[FeedReport]:
        self._total = len(feeds)
        try:
            async with Fetcher(self.settings, stop=self.stop) as fetcher:
                leftovers = asyncio.gather(*(self._page(fetcher, job) for job in leftover_pages))
                reports = await asyncio.gather(*(self._feed(fetcher, feed) for feed in feeds))
                await leftovers
        finally:
            await _call(self.writer, self.sink.flush)
        # Feeds not attempted because of a stop request stay due; they are not reported.
        return [r for r in reports if r is not None]

    async def _feed(self, fetcher: Fetcher, feed: Feed) -> FeedReport | None:
        try:
            result = await fetcher.fetch_feed(
                feed.url, etag=feed.etag, last_modified=feed.last_modified, now=self.now
            )
            if result.status is FetchStatus.CANCELLED:
                return None
            document = None
            # The very bytes stored last time (a server without validators, or ignoring
            # them): nothing to parse, the sink records it as not modified.
            unchanged = feed.body_digest is not None and result.digest == feed.body_digest
            if result.status is FetchStatus.OK and not unchanged:
                document = await self.workers.run(
                    "parse",
                    parse_document,
                    result.body,
                    result.final_url,
                    result.headers,
                    feed.full_text is not FullTextMode.NEVER,
                )
            stored = await _call(self.writer, self.sink.store_feed, feed, result, document)
        except Exception as e:
            log.exception("fetching %s failed", feed.url)
            stored = StoredFeed(
                FeedReport(
                    feed.id,
                    feed.url,
                    feed.display_name,
                    FeedOutcome.FAILED,
                    error=f"internal error: {type(e).__name__}: {e}",
                )
            )
        self._done += 1
        if self.progress is not None:
            self.progress(stored.report, self._done, self._total)
        await self._languages(stored.texts)
        if stored.pages:
            await asyncio.gather(*(self._page(fetcher, job) for job in stored.pages))
        return stored.report

    async def _languages(self, texts: list[tuple[int, str, str | None]]) -> None:
        if not texts:
            return
        try:
            languages = await self.workers.run("languages", detect_languages, texts)
            await _call(self.writer, self.sink.store_languages, languages)
        except StorageError as e:  # one line, not the SQL statement (issue 13)
            log.error("storing the detected languages failed: %s", e)
        except Exception:  # the items are stored; only their language stays the declared one
            log.exception("language detection failed")

    async def _page(self, fetcher: Fetcher, job: PageJob) -> None:
        try:
            result = await fetcher.fetch_page(job.url, now=self.now)
            if result.status is FetchStatus.CANCELLED:
                return  # stays pending: the next run resumes it
            if result.ok:
                page = await self.workers.run(
                    "parse", extract_page, result.body, result.final_url, result.headers
                )
            else:
                page = PageText(error=result.error or f"HTTP {result.http_status}")
            ok = await _call(self.writer, self.sink.store_page, job, page)
        except StorageError as e:  # the item stays pending: the next run resumes it
            log.error("storing the full text of %s failed: %s", job.url, e)
            ok = False
        except Exception as e:
            log.exception("full text of %s failed", job.url)
            ok = False
            try:
                error = PageText(error=f"internal error: {type(e).__name__}: {e}")
                await _call(self.writer, self.sink.store_page, job, error)
            except Exception:
                log.exception("recording the full-text failure of %s failed", job.url)
        if ok:
            self.pages_ok += 1
        else:
            self.pages_failed += 1
