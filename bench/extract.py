"""Full-text extraction: throughput and quality, ours against trafilatura alone, in one run.

    python bench/extract.py [--corpus DIR] [--workers 2] [--limit N]

Ours = what the fetch pipeline does for a truncated item: the page is downloaded over HTTP from
a local http.server (127.0.0.1, TCP_NODELAY, Content-Type without charset, as many servers send
it), decoded with curator's charset sniffing and extracted by `curator.extract.extract_article`
(trafilatura + metadata + language) in a process pool over `--workers` cores.
Baseline = `trafilatura.extract(raw bytes)` on the same files in this one process, with its
defaults, and again with the settings of trafilatura's own evaluation (comments excluded).

Quality:
- pages/scrapinghub_aeb: token 4-gram F1 against the gold article bodies (the metric of
  scrapinghub/article-extraction-benchmark's evaluate.py, reimplemented);
- pages/trafilatura_eval: snippets that must / must not appear (trafilatura's eval metric,
  reimplemented), French pages reported apart.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import resource
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote

import httpx
import trafilatura

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from curator.errors import ExtractError
from curator.extract import Extracted, extract_article, warm_up
from tests.support.content import corpus_root

# --- corpus ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    key: str  # file name served at /<key>
    body: bytes
    url: str  # the page's original URL (for trafilatura's URL-based rules)
    gold: str | None = None  # AEB gold article body
    must: tuple[str, ...] = ()  # trafilatura_eval snippets
    must_not: tuple[str, ...] = ()
    lang: str = ""
    corpus: str = ""


def load_pages(corpus: Path, limit: int | None) -> list[Page]:
    pages: list[Page] = []
    aeb = corpus / "pages" / "scrapinghub_aeb"
    truth = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8"))
    for key, gold in sorted(truth.items())[:limit]:
        body = gzip.decompress((aeb / "html" / f"{key}.html.gz").read_bytes())
        pages.append(Page(f"aeb-{key}", body, gold["url"], gold=gold["articleBody"], corpus="aeb"))
    evaluation = corpus / "pages" / "trafilatura_eval"
    cases = json.loads((evaluation / "evaldata_subset.json").read_text(encoding="utf-8"))
    for url, case in sorted(cases.items())[:limit]:
        body = (evaluation / "html" / case["file"]).read_bytes()
        pages.append(
            Page(
                f"eval-{case['file']}",
                body,
                url,
                must=tuple(case["with"]),
                must_not=tuple(case["without"]),
                lang=case["lang"],
                corpus="eval",
            )
        )
    return pages


# --- a plain local HTTP server --------------------------------------------------------------


@contextmanager
def serve(pages: list[Page]) -> Iterator[str]:
    bodies = {f"/{p.key}": p.body for p in pages}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Without it every response waits for the client's delayed ACK (about 40 ms).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def do_GET(self) -> None:
            body = bodies.get(unquote(self.path))
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- the two paths --------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    texts: dict[str, str] = field(default_factory=dict)
    failures: int = 0
    wall: float = 0.0
    cpu: float = 0.0


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_ours(pages: list[Page], workers: int, *, with_metadata: bool = True) -> Run:
    what = "" if with_metadata else ", no metadata"
    run = Run(f"ours: HTTP + sniffing + extract_article{what}, {workers} processes")
    with serve(pages) as base:
        cpu, started = _cpu(), time.perf_counter()
        with (
            httpx.Client(timeout=30) as client,
            ProcessPoolExecutor(max_workers=workers, initializer=warm_up) as pool,
        ):
            futures: dict[str, Future[Extracted]] = {}
            for page in pages:
                response = client.get(f"{base}/{quote(page.key)}")
                response.raise_for_status()
                headers = dict(response.headers)
                futures[page.key] = pool.submit(
                    extract_article, response.content, page.url, headers
                )
            for key, future in futures.items():
                try:
                    run.texts[key] = future.result().text
                except ExtractError:
                    run.failures += 1
                    run.texts[key] = ""
        run.wall, run.cpu = time.perf_counter() - started, _cpu() - cpu
    return run


def run_trafilatura(pages: list[Page], name: str, **options: bool) -> Run:
    run = Run(name)
    cpu, started = _cpu(), time.perf_counter()
    for page in pages:
        try:
            text = trafilatura.extract(page.body, url=page.url, **options)
        except Exception:  # a crash counts as no output, as in the upstream evaluations
            text = None
        if not text:
            run.failures += 1
        run.texts[page.key] = text or ""
    run.wall, run.cpu = time.perf_counter() - started, _cpu() - cpu
    return run


# --- metrics --------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+")


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _TOKEN.findall(text)
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def aeb_scores(pages: list[Page], texts: dict[str, str]) -> tuple[float, float, float]:
    """Precision, recall, F1 as scrapinghub/article-extraction-benchmark computes them."""
    precisions, recalls = [], []
    for page in pages:
        if page.gold is None:
            continue
        gold, pred = _shingles(page.gold), _shingles(texts.get(page.key, ""))
        tp = sum((gold & pred).values())
        fp = sum((pred - gold).values())
        fn = sum((gold - pred).values())
        total = tp + fp + fn
        if total == 0:
            continue
        tp_, fp_, fn_ = tp / total, fp / total, fn / total
        if fp_ == 0 and fn_ == 0:
            precisions.append(1.0)
            recalls.append(1.0)
            continue
        if tp_ + fp_ > 0:
            precisions.append(tp_ / (tp_ + fp_))
        if tp_ + fn_ > 0:
            recalls.append(tp_ / (tp_ + fn_))
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def snippet_scores(
    pages: list[Page], texts: dict[str, str], keep: Callable[[Page], bool]
) -> tuple[float, float, float, float, int]:
    """Precision, recall, accuracy, F1 over must / must-not snippets (trafilatura's eval)."""
    tp = fn = fp = tn = docs = 0
    for page in pages:
        if page.corpus != "eval" or not keep(page):
            continue
        docs += 1
        output = _norm(texts.get(page.key, ""))
        for snippet in page.must:
            if snippet in output:
                tp += 1
            else:
                fn += 1
        for snippet in page.must_not:
            if snippet in output:
                fp += 1
            else:
                tn += 1
    total = tp + fn + fp + tn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    accuracy = (tp + tn) / total if total else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return precision, recall, accuracy, f1, docs


# --- report ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--limit", type=int, default=None, help="pages per corpus (quick runs)")
    args = parser.parse_args()

    corpus = corpus_root(args.corpus, expect="pages")
    if corpus is None:
        sys.exit("corpus not found: pass --corpus or set CURATOR_CORPUS")
    pages = load_pages(corpus, args.limit)
    megabytes = sum(len(p.body) for p in pages) / 1e6
    print(f"{len(pages)} pages ({megabytes:.1f} MB): "
          f"{sum(p.corpus == 'aeb' for p in pages)} AEB, {sum(p.corpus == 'eval' for p in pages)} "
          f"trafilatura_eval ({sum(p.lang == 'fr' for p in pages)} French)\n")  # fmt: skip

    # Every run starts warm: lazy loading (trafilatura's fallbacks, the language model) is done
    # once here, and the pool's forked workers inherit it, as a long-running fetcher's would.
    warm_up()
    baseline = run_trafilatura(pages, "trafilatura.extract(bytes), defaults, 1 process")
    eval_settings = run_trafilatura(
        pages, "trafilatura.extract(bytes), eval settings (no comments)", include_comments=False
    )
    ours = run_ours(pages, args.workers)
    lean = run_ours(pages, args.workers, with_metadata=False)
    runs = [baseline, eval_settings, ours, lean]

    print(f"{'throughput':<68} {'pages/s':>8} {'wall s':>7} {'cpu s':>7} {'ms cpu/page':>11} "
          f"{'failed':>6}")  # fmt: skip
    for run in runs:
        rate = len(pages) / run.wall if run.wall else 0.0
        per_page = 1000 * run.cpu / len(pages)
        print(f"{run.name:<68} {rate:8.1f} {run.wall:7.1f} {run.cpu:7.1f} {per_page:11.1f} "
              f"{run.failures:6d}")  # fmt: skip
    print(f"wall time, ours with {args.workers} processes / trafilatura alone with 1: "
          f"{baseline.wall / ours.wall:.2f}x the pages per second "
          f"({baseline.wall / lean.wall:.2f}x without metadata); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")  # fmt: skip
    # CPU time counts the pool's workers too (_cpu adds the children), so this compares the
    # work done per page whatever the number of processes.
    print(f"CPU time per page, trafilatura alone / ours: "
          f"{baseline.cpu / ours.cpu:.2f}x ({baseline.cpu / lean.cpu:.2f}x without metadata); "
          f"above 1 means ours spends less CPU per page\n")  # fmt: skip

    print(f"{'AEB token F1 (181 pages)':<68} {'P':>6} {'R':>6} {'F1':>6}")
    for run in runs:
        p, r, f1 = aeb_scores(pages, run.texts)
        print(f"{run.name:<68} {p:6.3f} {r:6.3f} {f1:6.3f}")
    print()

    subsets: list[tuple[str, Callable[[Page], bool]]] = [
        ("all", lambda p: True),
        ("French", lambda p: p.lang == "fr"),
        ("not French", lambda p: p.lang != "fr"),
    ]
    for label, keep in subsets:
        header = f"trafilatura_eval snippets, {label}"
        print(f"{header:<68} {'P':>6} {'R':>6} {'acc':>6} {'F1':>6} {'docs':>5}")
        for run in runs:
            p, r, acc, f1, docs = snippet_scores(pages, run.texts, keep)
            print(f"{run.name:<68} {p:6.3f} {r:6.3f} {acc:6.3f} {f1:6.3f} {docs:5d}")
        print()


if __name__ == "__main__":
    main()
