"""Identity and deduplication of feed entries. Pure: plain values in, plain values out.

Three questions, three tools:

- Is this entry one we already stored for this feed? `identity()` gives the key stored in
  UNIQUE(feed_id, identity): the guid, else the canonical URL, else a hash of title and text.
  `reconcile()` decides, for a whole fetched document at once, which entries are new, which are
  publisher edits of stored items (same identity, new `content_hash`: updated in place), which
  are unchanged, which are tombstoned (deleted by the user: never stored again), and it catches
  feeds that change their guids while keeping their URLs.
- Is this URL the same page as that one? `canonical_url()`.
- Is this item the same story as one from another feed (an aggregator and the original blog, a
  press release reposted)? `assign_clusters()`: word shingles, candidate pairs found through an
  index of a consistent sample of shingles (so the work grows with the number of items, not its
  square), then exact containment on each candidate pair. Stored items are found through the
  same sample, kept in the database (`sketch`): a fetch compares its new items with the stored
  ones sharing shingles with them, never reads the whole window (issue 19). Containment
  rather than Jaccard, because an aggregator's excerpt is a small part of the original
  article; but a much shorter text must match the article's opening, so an explainer box
  quoted inside a long article is not taken for a copy of it.
"""

from __future__ import annotations

import enum
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from curator.types import ItemState, ParsedEntry

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# numpy is imported by the clustering functions only (~0.17 s): identity keys and
# reconciliation run in every fetch and every parse worker, clustering only when items are new.

# --- canonical URLs ------------------------------------------------------------------------

# Query parameters that only say where a click came from (from the ClearURLs and AdGuard
# tracking-parameter lists). Explicit on purpose: a broad rule such as courlan's, which drops
# any parameter merely containing "ref", "source" or "uid", can drop what tells two articles
# apart ("?sourceid=12") and merge them into one identity.
_TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "ysclid",
        "twclid", "ttclid", "li_fat_id", "igshid", "igsh", "mc_cid", "mc_eid", "mkt_tok",
        "_hsenc", "_hsmi", "__hstc", "__hssc", "__hsfp", "hsctatracking", "_ga", "_gl",
        "_openstat", "oly_anon_id", "oly_enc_id", "vero_conv", "vero_id", "wickedid", "ref_src",
        "ref_url", "xtor", "cmpid", "ocid", "ncid", "sr_share", "s_cid", "wt.mc_id", "wt_mc_id",
        "spm", "scid", "rss", "feed_id", "fb_action_ids", "fb_action_types", "fb_source",
        "fb_ref", "action_object_map", "action_type_map", "action_ref_map", "guccounter",
        "guce_referrer", "guce_referrer_sig", "mbid", "cvid", "_branch_match_id",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "piwik_", "matomo_", "hsa_", "ns_", "at_", "itm_")
# "?source=rss" (Medium), "?ref=rss" (Ghost): trackers only with such a value.
_FEED_MARKER_PARAMS = frozenset({"source", "ref", "from", "src", "origin"})
_FEED_MARKER_VALUE = re.compile(
    r"^(rss|atom|feed|newsletter|email|twitter|facebook|linkedin)", re.I
)


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str, value: str) -> bool:
    key = name.lower()
    if key in _TRACKING_PARAMS or key.startswith(_TRACKING_PREFIXES):
        return True
    return key in _FEED_MARKER_PARAMS and bool(_FEED_MARKER_VALUE.match(value))


def canonical_url(url: str) -> str:
    """The form of `url` used to recognise the same page.

    Scheme and host lowercased, IDN hosts in punycode, default port dropped, percent-escapes
    normalised and dot segments resolved (RFC 3986 section 6), fragment removed, tracking
    parameters removed, remaining parameters sorted, the trailing slash of a non-root path
    removed. Non-web URLs come back stripped but otherwise as is.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return url
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if not _is_tracking(k, v)
        ]
    )
    # w3lib (Scrapy's URL canonicaliser) does the RFC work; courlan would also rewrite reserved
    # characters ("/@user" -> "/%40user"), which changes the page some servers return.
    try:
        normal = urlsplit(
            canonicalize_url(urlunsplit((scheme, parts.netloc, parts.path, query, "")))
        )
    except ValueError:
        return url
    netloc = normal.netloc
    if port is not None and port == _DEFAULT_PORTS[scheme]:
        netloc = netloc.rsplit(":", 1)[0]
    path = normal.path
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return urlunsplit((scheme, netloc, path or "/", normal.query, ""))


# --- identity and content hash -------------------------------------------------------------

_MAX_KEY = 512  # identities are indexed: an absurdly long guid or URL is stored hashed


def _bounded(prefix: str, value: str) -> str:
    if len(value) <= _MAX_KEY:
        return f"{prefix}:{value}"
    return f"{prefix}:sha256:{hashlib.sha256(value.encode()).hexdigest()}"


def content_hash(title: str, text: str) -> str:
    """Fingerprint of what a reader sees; a change means the publisher edited the item.

    Whitespace and Unicode normalisation differences do not count: feeds often re-render the
    same text with different spacing, which is not an edit.
    """
    normal = unicodedata.normalize("NFC", f"{title}\n{text}")
    normal = " ".join(normal.split())
    return hashlib.sha256(normal.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def identity(entry: ParsedEntry, canonical_url: str | None, digest: str | None = None) -> str:
    """The key that says "this is the same item" within one feed.

    "guid:<guid>" when the feed gives one, else "url:<canonical url>", else
    "hash:<content hash>" (such an item edited by its publisher looks new: nothing else is
    left to recognise it by). `digest`: the entry's `content_hash`, if already computed.
    """
    if entry.guid and entry.guid.strip():
        return _bounded("guid", entry.guid.strip())
    if canonical_url:
        return _bounded("url", canonical_url)
    return "hash:" + (digest or content_hash(entry.title, entry.text))


# --- reconciling a fetched document with stored items ---------------------------------------


class Action(enum.StrEnum):
    NEW = "new"  # insert
    UPDATE = "update"  # same item, edited by the publisher (or re-keyed): update in place
    UNCHANGED = "unchanged"
    TOMBSTONED = "tombstoned"  # deleted by the user: never stored again
    DUPLICATE = "duplicate"  # the same item appears earlier in this very document


@dataclass(frozen=True, slots=True)
class KnownItem:
    """What reconcile needs to know of a stored item of the feed."""

    id: int
    identity: str
    url: str | None  # canonical
    content_hash: str
    state: ItemState = ItemState.ACTIVE


@dataclass(frozen=True, slots=True)
class Reconciled:
    entry: ParsedEntry
    identity: str
    url: str | None  # canonical URL of the entry
    content_hash: str
    action: Action
    item_id: int | None = None  # the stored item, for every action but NEW and DUPLICATE
    rekeyed: bool = False  # matched by URL although its identity changed: store the new one


EntryKeys = tuple[str, str | None, str]  # (identity, canonical URL, content hash)


def entry_keys(entries: Iterable[ParsedEntry]) -> list[EntryKeys]:
    """Each entry's identity, canonical URL and content hash, in order: what `reconcile`
    works from. Computed where the document is parsed (a worker process), so the single
    writer does not canonicalise and hash every entry again."""
    keys: list[EntryKeys] = []
    for entry in entries:
        url = canonical_url(entry.url) if entry.url else None
        digest = content_hash(entry.title, entry.text)
        keys.append((identity(entry, url, digest), url, digest))
    return keys


def keys_for(
    entries: Iterable[ParsedEntry], keys: Sequence[EntryKeys] | None = None
) -> tuple[set[str], set[str]]:
    """Identities and canonical URLs to look up among stored items before `reconcile`."""
    if keys is None:
        keys = entry_keys(entries)
    return {key for key, _, _ in keys}, {url for _, url, _ in keys if url}


def reconcile(
    entries: Sequence[ParsedEntry],
    known: Iterable[KnownItem],
    keys: Sequence[EntryKeys] | None = None,
) -> list[Reconciled]:
    """Decide what to do with each entry of one fetched document of one feed.

    `known` are the feed's stored items whose identity or URL is among the entries' (see
    `keys_for`), tombstones included. An entry whose identity is unknown but whose URL is the
    URL of a stored item that has vanished from the document is that item with a changed guid
    (feeds do that when they move to another CMS): it is matched, not duplicated. A URL shared
    by several entries of the document (a podcast linking every episode to its home page)
    never matches that way. `keys` are the entries' `entry_keys`, if already computed.
    """
    by_identity: dict[str, KnownItem] = {}
    by_url: dict[str, list[KnownItem]] = {}
    for item in known:
        by_identity[item.identity] = item
        if item.url:
            by_url.setdefault(item.url, []).append(item)

    if keys is None or len(keys) != len(entries):
        keys = entry_keys(entries)
    prepared = [
        (entry, key, url, digest) for entry, (key, url, digest) in zip(entries, keys, strict=True)
    ]
    present = {key for _, key, _, _ in prepared}
    url_counts = Counter(url for _, _, url, _ in prepared if url)

    results: list[Reconciled] = []
    seen: set[str] = set()
    claimed: set[int] = set()
    for entry, key, url, digest in prepared:
        if key in seen:
            results.append(Reconciled(entry, key, url, digest, Action.DUPLICATE))
            continue
        seen.add(key)
        match = by_identity.get(key)
        rekeyed = False
        if match is None and url and url_counts[url] == 1:
            movable = [
                item
                for item in by_url.get(url, ())
                if item.identity not in present and item.id not in claimed
            ]
            if len(movable) == 1:
                match, rekeyed = movable[0], True
        if match is None:
            results.append(Reconciled(entry, key, url, digest, Action.NEW))
            continue
        claimed.add(match.id)
        if match.state is ItemState.DELETED:
            action = Action.TOMBSTONED
        elif rekeyed or match.content_hash != digest:
            action = Action.UPDATE
        else:
            action = Action.UNCHANGED
        results.append(Reconciled(entry, key, url, digest, action, match.id, rekeyed))
    return results


# --- near-duplicate clustering across feeds -------------------------------------------------

SHINGLE_WORDS = 5
MIN_WORDS = 40  # shorter texts are never clustered: too little to tell a story from boilerplate
MAX_WORDS = 1500  # the start of an article is enough to recognise it, and keeps this cheap
CONTAINMENT = 0.7  # share of the shorter text's shingles found in the longer one
SIMILAR_SIZE = 0.5  # texts at least this close in length may match anywhere, not only at the start
LEAD_SLACK = 1.5  # an excerpt may skip a little of the article's opening (a standfirst, a photo)
SAMPLE_MASK = 3  # index one shingle in four (consistently: by hash value)
COMMON_SHINGLE = 50  # a sampled shingle in more documents than this is boilerplate: not a clue
DEFAULT_WINDOW = timedelta(days=3)
# Items dated earlier than this before the fetch are never clustered (old archives, year-1
# dates of broken feeds): not news. It also bounds the stored sketches (issue 19).
LOOKBACK = timedelta(days=30)

_WORD = re.compile(r"\w+")
_MIX = 0x9E3779B97F4A7C15
_WORD_BASE = 0x100000001B3  # the FNV-1 64-bit prime: odd, so no byte position is lost


@dataclass(frozen=True, slots=True)
class ClusterDoc:
    """An item as clustering sees it."""

    id: int
    feed_id: int
    text: str  # the item's best text (content, else summary)
    when: datetime  # published_at, else fetched_at
    cluster_id: int | None = None  # the item's current cluster, for items already stored


@dataclass(frozen=True, slots=True)
class Clustering:
    # item id -> cluster id (None = alone), for every new item and every stored item whose
    # cluster changes. A cluster id is the id of its representative, which is in the cluster.
    assignments: dict[int, int | None]
    # existing cluster id -> the cluster it was merged into: the caller re-points members of
    # the old cluster that were not among the candidates.
    merged: dict[int, int]


class _Shingled:
    __slots__ = ("doc", "is_new", "ordered", "sample", "shingles", "words")

    def __init__(
        self, doc: ClusterDoc, is_new: bool, words: int, ordered: npt.NDArray[np.uint64]
    ) -> None:
        import numpy as np

        self.doc = doc
        self.is_new = is_new
        self.words = words
        self.ordered = ordered  # shingle hashes in text order
        self.shingles = np.unique(ordered)  # sorted, unique
        self.sample = self.shingles[(self.shingles & np.uint64(SAMPLE_MASK)) == 0]


def _word_hashes(words: Sequence[str]) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each word, the same in every process and every release: shingles of
    stored items are kept in the database (`sketch`) and compared with those of later items.
    Vectorised (a polynomial over each word's UTF-8 bytes, then the murmur3 finaliser):
    hashing word by word in Python cost more than the shingling itself."""
    import numpy as np

    raw = np.frombuffer(("\0" + "\0".join(words)).encode("utf-8", "surrogatepass"), np.uint8)
    separator = raw == 0  # \w+ words never contain NUL
    starts = np.flatnonzero(separator)
    offset = np.arange(len(raw)) - starts[np.cumsum(separator) - 1]
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(int(offset.max()) + 1, _WORD_BASE, dtype=np.uint64))
        hashes = np.add.reduceat(raw.astype(np.uint64) * powers[offset], starts)
        hashes ^= hashes >> np.uint64(33)
        hashes *= np.uint64(0xFF51AFD7ED558CCD)
        hashes ^= hashes >> np.uint64(33)
    return hashes


def _shingle(
    text: str, vocabulary: dict[str, int], width: int, max_words: int
) -> tuple[int, npt.NDArray[np.uint64]]:
    """Word count and the hashes of the word `width`-grams of `text`, in text order.
    `vocabulary` caches word hashes across the texts of one call."""
    import numpy as np

    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())[:max_words]
    if len(words) < width:
        return len(words), np.empty(0, dtype=np.uint64)
    known = vocabulary.get
    found = [known(w) for w in words]
    if None in found:
        missing = list({w for w, h in zip(words, found, strict=True) if h is None})
        vocabulary.update(zip(missing, _word_hashes(missing).tolist(), strict=True))
        found = [vocabulary[w] for w in words]
    ids = np.array(found, dtype=np.uint64)
    # A polynomial hash of each window of `width` word ids, then a multiplicative mix so the
    # low bits used for sampling are well spread. uint64 arithmetic wraps, as intended.
    n = len(ids) - width + 1
    hashes = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for offset in range(width):
            hashes = hashes * np.uint64(1_000_003) + ids[offset : offset + n]
        hashes = hashes * np.uint64(_MIX)
        hashes ^= hashes >> np.uint64(29)
    return len(words), hashes


def sketch(text: str, *, min_words: int = MIN_WORDS) -> list[int]:
    """The sampled shingle hashes by which a stored item is found again as a near-duplicate
    candidate of a later item (the sample `assign_clusters` indexes), as signed 64-bit
    integers (how databases store them); empty for a text too short to be clustered."""
    import numpy as np

    words, ordered = _shingle(text, {}, SHINGLE_WORDS, MAX_WORDS)
    if words < min_words or not len(ordered):
        return []
    shingles = np.unique(ordered)
    sample = shingles[(shingles & np.uint64(SAMPLE_MASK)) == 0]
    return [int(h) for h in sample.view(np.int64).tolist()]


def _same_story(a: _Shingled, b: _Shingled, containment: float) -> bool:
    """Whether the shorter text is a copy of the longer one, or its opening (an excerpt).

    Containment alone is not enough: newspapers embed a whole short explainer inside a long
    article, and that box is not a copy of the article. So a much shorter text must match the
    *start* of the longer one, which is what an aggregator's excerpt or a summary does.
    """
    import numpy as np

    small, large = (a, b) if len(a.shingles) <= len(b.shingles) else (b, a)
    needed = containment * len(small.shingles)
    if len(np.intersect1d(small.shingles, large.shingles, assume_unique=True)) < needed:
        return False
    if len(small.shingles) >= SIMILAR_SIZE * len(large.shingles):
        return True  # two versions of one text: a repost, an edited press release
    lead = np.unique(large.ordered[: int(len(small.ordered) * LEAD_SLACK) + SHINGLE_WORDS * 4])
    return len(np.intersect1d(small.shingles, lead, assume_unique=True)) >= needed


def assign_clusters(
    new: Sequence[ClusterDoc],
    recent: Sequence[ClusterDoc],
    *,
    window: timedelta = DEFAULT_WINDOW,
    containment: float = CONTAINMENT,
    min_words: int = MIN_WORDS,
    across_feeds_only: bool = True,
) -> Clustering:
    """Group `new` items with near-duplicates among themselves and among `recent` stored ones.

    `recent` are stored items within `window` of the new ones (they were clustered when they
    were new; they are not compared with each other again). Two items are the same story when
    both have at least `min_words` words, they are at most `window` apart, come from different
    feeds (unless `across_feeds_only` is False) and at least `containment` of the shorter
    text's word 5-grams appear in the longer one: anywhere when the texts are of similar
    length, in its opening when the shorter is much shorter (an excerpt).

    The representative of a new cluster is its earliest item (ties: the longest text, then
    the lowest id): usually the original rather than a copy. A cluster that already exists
    keeps its id; when a new item bridges two existing clusters, the older id wins.
    """
    vocabulary: dict[str, int] = {}
    docs: list[_Shingled] = []
    new_ids = {d.id for d in new}
    for doc, is_new in [(d, True) for d in new] + [
        (d, False) for d in recent if d.id not in new_ids
    ]:
        words, ordered = _shingle(doc.text, vocabulary, SHINGLE_WORDS, MAX_WORDS)
        docs.append(_Shingled(doc, is_new, words, ordered))

    edges = _similar_pairs(docs, window, containment, min_words, across_feeds_only)
    return _components(docs, edges)


def _similar_pairs(
    docs: Sequence[_Shingled],
    window: timedelta,
    containment: float,
    min_words: int,
    across_feeds_only: bool,
) -> list[tuple[int, int]]:
    import numpy as np

    eligible = [i for i, d in enumerate(docs) if d.words >= min_words and len(d.shingles)]
    if not any(docs[i].is_new for i in eligible):
        return []
    # Inverted index over sampled shingles, built with one sort instead of a dict of lists.
    hashes = np.concatenate([docs[i].sample for i in eligible] or [np.empty(0, np.uint64)])
    owners = np.concatenate(
        [np.full(len(docs[i].sample), i, dtype=np.int64) for i in eligible]
        or [np.empty(0, np.int64)]
    )
    order = np.argsort(hashes, kind="stable")
    hashes, owners = hashes[order], owners[order]
    starts = np.flatnonzero(np.r_[True, hashes[1:] != hashes[:-1]])
    sizes = np.diff(np.r_[starts, len(hashes)])
    shared: Counter[tuple[int, int]] = Counter()
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        if size > COMMON_SHINGLE:
            continue
        group = owners[start : start + size].tolist()
        for a_pos, a in enumerate(group):
            for b in group[a_pos + 1 :]:
                if docs[a].is_new or docs[b].is_new:
                    shared[(a, b) if a < b else (b, a)] += 1

    edges = []
    for (a, b), count in shared.items():
        da, db = docs[a], docs[b]
        smaller = min(len(da.sample), len(db.sample))
        if count < min(2, smaller):
            continue
        if across_feeds_only and da.doc.feed_id == db.doc.feed_id:
            continue
        if abs(da.doc.when - db.doc.when) > window:
            continue
        if _same_story(da, db, containment):
            edges.append((a, b))
    return edges


def _representative_order(doc: ClusterDoc) -> tuple[datetime, int, int]:
    return (doc.when, -len(doc.text), doc.id)  # earliest, then longest, then oldest row


def _components(docs: Sequence[_Shingled], edges: Iterable[tuple[int, int]]) -> Clustering:
    parent = list(range(len(docs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    groups: dict[int, list[int]] = {}
    for i in range(len(docs)):
        groups.setdefault(find(i), []).append(i)

    assignments: dict[int, int | None] = {d.doc.id: None for d in docs if d.is_new}
    merged: dict[int, int] = {}
    for members in groups.values():
        if len(members) < 2:
            continue
        existing = sorted({c for i in members if (c := docs[i].doc.cluster_id) is not None})
        if existing:
            cluster_id = existing[0]
            merged.update({old: cluster_id for old in existing[1:]})
        else:
            first = min(members, key=lambda i: _representative_order(docs[i].doc))
            cluster_id = docs[first].doc.id
        for i in members:
            doc = docs[i].doc
            if docs[i].is_new or doc.cluster_id != cluster_id:
                assignments[doc.id] = cluster_id
    return Clustering(assignments=assignments, merged=merged)
