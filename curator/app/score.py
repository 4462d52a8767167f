"""Scoring: full and incremental passes, the ranked queue they leave behind."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from curator import results
from curator.app.core import CuratorCore
from curator.store import decisions, repo
from curator.store import queue as queue_store
from curator.store import review as review_store
from curator.store import scores as score_store
from curator.types import ClusterVersion, Item, Profile, QueueEntry, Score

if TYPE_CHECKING:
    from curator import score as scoring


@dataclass(slots=True)
class ProfileScores:
    profile: str
    scored: int
    pending: int  # ranked items waiting for review
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ScoreReport:
    items: int  # items in the scoring window
    profiles: list[ProfileScores] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return [w for p in self.profiles for w in p.warnings]

    def summary(self) -> str:
        parts = ", ".join(f"{p.profile} {p.pending} pending" for p in self.profiles)
        return f"{self.items} items scored" + (f" ({parts})" if parts else "")


class ScoreUseCases(CuratorCore):
    """Scoring passes (full or incremental) and the ranked queue they store."""

    # --- scoring and the review queue ------------------------------------------------------

    #: An incremental pass (`incremental=True`) does the work of a full one when the last full
    #: pass is older than this: freshness decays for every item, not only the re-scored ones.
    FULL_EVERY = timedelta(hours=24)
    #: An incremental pass re-scores the best this many ranked items of a profile's queue ...
    SCORE_HEAD = 500
    #: ... and a full pass stores the queue down to this rank (and every decided item).
    SCORE_KEEP = 2000
    #: An item is stamped with the clock its fetch read, but may be committed after a scoring
    #: pass began (another process or worker fetching meanwhile): an incremental pass looks
    #: back this far before the last one's instant, so such an item is never left unscored
    #: until the next full pass. Re-scoring a few recent items twice costs little.
    LATE_COMMIT = timedelta(hours=1)
    _PASS_KEY = "score.pass.{profile}"

    def score(self, profile: str | None = None, *, incremental: bool = False) -> ScoreReport:
        """Re-score the items of the rolling window for one profile (or all) and store ranks.

        A full pass (`curator score`, the daily job) scores every item of the window. With
        `incremental` (a run, the service's tick, the end of a review), a profile whose last
        full pass is recent re-scores only what may have changed (issue 19): the head of its
        queue, the items that arrived since, and the items whose decision changed; the rest of
        the queue keeps its scores until the next full pass.
        """
        # Imported here: scikit-learn costs every other command a second and ~100 MB.
        from curator import score as scoring

        profiles = self.settings.select_profiles(profile)
        now = self.now()
        since = now - timedelta(days=scoring.WINDOW_DAYS)
        # Read and score in a reading unit, then write in one short unit: scoring takes
        # seconds, and holding SQLite's write lock meanwhile would keep every other command
        # waiting (issue 13). Two scorers at once each write a complete set of ranks.
        writes: list[Callable[[Any], None]] = []
        with self.db.reading() as session:
            stats = self._corpus_stats(session, since, now)
            weights = score_store.feed_weights(session)
            # Read once per pass: each profile's results move these sources' weights.
            names = {f.id: f.name or f.title or f.url for f in repo.list_feeds(session)}
            states = {
                p.name: repo.get_meta(session, self._PASS_KEY.format(profile=p.name))
                for p in profiles
            }
            marks = {p.name: _pass_mark(p, weights) for p in profiles}
            quick = [
                p
                for p in profiles
                if incremental
                and _can_update(states[p.name], marks[p.name], now, since, self.FULL_EVERY)
            ]
            full = [p for p in profiles if p not in quick]
            report = ScoreReport(items=0)
            if full:
                items = score_store.window_items(session, since)
                report.items = len(items)
                matrix = scoring.vectorize(items, stats)
                vectors, semantic_note = self._item_vectors(session, items, writes)
                # All the profiles' relevance as one sparse product (issue 17).
                scoring.expect_profiles(
                    matrix, [(p, self._example_texts(session, p)) for p in full]
                )
                for p in full:
                    decided = decisions.current_ids(session, p.name)
                    result = self._score_profile(
                        session, p, items, matrix, stats, (weights, names), now, vectors,
                        semantic_note, keep=(self.SCORE_KEEP, decided),
                    )  # fmt: skip
                    kept = scoring.kept_scores(result.scores, decided, self.SCORE_KEEP)
                    writes.append(partial(_replace_scores, p.name, kept, now))
                    pending = sum(1 for s in kept if s.rank is not None)
                    report.profiles.append(
                        ProfileScores(p.name, len(items), pending, result.warnings)
                    )
                    writes.append(
                        partial(self._save_pass, p.name, marks[p.name], now, now, decided)
                    )
            if quick:
                report.items = max(report.items, self._score_quick(
                    session, quick, states, marks, stats, weights, names, since, now, report,
                    writes,
                ))  # fmt: skip
        with self.db.session() as session:
            repo.set_meta(session, score_store.STATS_KEY, stats.to_json(), now)
            for write in writes:
                write(session)
        return report

    def _score_profile(
        self,
        session: Any,
        p: Profile,
        items: list[Item],
        matrix: scoring.ItemMatrix,
        stats: scoring.CorpusStats,
        sources: tuple[dict[int, float], dict[int, str]],
        now: datetime,
        vectors: Any = None,
        semantic_note: str | None = None,
        keep: tuple[int, Iterable[int]] | None = None,
    ) -> scoring.ScoreResult:
        """One profile's scores over `items` (and their embeddings from the semantic extra,
        when installed), with its relays' results applied to its sources' weights
        (`sources`: each feed's weight and name). With `keep` (a rank and item ids), only
        the items ranked down to that rank and those items are returned."""
        from curator import score as scoring

        weights, names = sources
        history = decisions.history(session, p.name)
        decided = repo.list_items(session, ids={d.item_id for d in history}, state=None)
        # What the profile's relays earned moves its sources' and topics' weights, bounded
        # (issue 15).
        factors = self._score_factors(session, p, now)
        on_topic = results.topics_of_items(items, matrix, factors)
        result = scoring.score_items(
            p,
            items,
            decisions=history,
            decided_items=decided,
            stats=stats,
            feed_weights=results.weighted_feeds(weights, names, factors),
            item_weights=results.topic_weights(on_topic),
            now=now,
            example_texts=self._example_texts(session, p),
            matrix=matrix,
            semantic=self._semantic_input(vectors, p),
            keep_rank=keep[0] if keep else None,
            keep_items=keep[1] if keep else (),
        )
        feed_of = {i.id: i.feed_id for i in items}
        warnings = list(result.warnings)
        note = semantic_note or scoring.language_gap_note(p, items, vectors is not None)
        if note:
            warnings.append(note)
        return replace(
            result,
            scores=results.explained(result.scores, feed_of, names, factors, on_topic),
            warnings=warnings,
        )

    def _example_texts(self, session: Any, p: Profile) -> list[str]:
        """The profile's URL examples as the stored items' text."""
        examples = score_store.items_by_url(session, p.examples)
        return [f"{i.title}. {i.text}" for i in examples.values()]

    def _score_factors(self, session: Any, p: Profile, now: datetime) -> results.ScoreFactors:
        from curator.outputs.words import profile_language
        from curator.store import results as results_store

        since = now - timedelta(weeks=results.FACTOR_WEEKS)
        posts = results_store.list_posts(session, p.name, since=since)
        return results.score_factors(posts, now, profile_language(p))

    def _score_quick(
        self,
        session: Any,
        profiles: list[Profile],
        states: dict[str, Any],
        marks: dict[str, str],
        stats: scoring.CorpusStats,
        weights: dict[int, float],
        names: dict[int, str],
        since: datetime,
        now: datetime,
        report: ScoreReport,
        writes: list[Callable[[Any], None]],
    ) -> int:
        """The incremental pass of `score`; returns how many items it analysed. What it
        stores is appended to `writes`, done by the caller in one short writing unit."""
        from curator import score as scoring

        wanted: dict[str, set[int]] = {}
        decided_now: dict[str, dict[int, int]] = {}
        for p in profiles:
            state = states[p.name]
            decided = decisions.current_ids(session, p.name)
            before = {int(k): v for k, v in state["decided"].items()}
            changed = {i for i, d in decided.items() if before.get(i) != d}
            changed |= set(before) - set(decided)  # undone
            new = score_store.active_ids_fetched(
                session, datetime.fromisoformat(state["through"]) - self.LATE_COMMIT, now
            )
            head = score_store.ranked_head(session, p.name, self.SCORE_HEAD)
            wanted[p.name] = set(head) | new | changed
            decided_now[p.name] = decided
        every = set().union(*wanted.values())
        # Items of the window only, like a full pass; analysed once for all the profiles.
        items = score_store.window_items(session, since, every) if every else []
        by_id = {i.id: i for i in items}
        row_of = {i.id: n for n, i in enumerate(items)}
        matrix = scoring.vectorize(items, stats)
        vectors, semantic_note = self._item_vectors(session, items, writes)
        for p in profiles:
            ids = sorted(i for i in wanted[p.name] if i in by_id)
            subset = [by_id[i] for i in ids]
            rows = vectors[[row_of[i] for i in ids]] if vectors is not None else None
            result = self._score_profile(
                session,
                p,
                subset,
                scoring.select_rows(matrix, ids),
                stats,
                (weights, names),
                now,
                rows,
                semantic_note,
            )
            others = score_store.ranked_finals(session, p.name, exclude=ids)
            scores = scoring.merge_ranks(result.scores, self.SCORE_HEAD, others)
            writes.append(partial(_update_scores, p.name, scores, since, now))
            pending = len(others) + sum(1 for s in scores if s.rank is not None)
            report.profiles.append(ProfileScores(p.name, len(subset), pending, result.warnings))
            full_at = datetime.fromisoformat(states[p.name]["full_at"])
            writes.append(
                partial(self._save_pass, p.name, marks[p.name], full_at, now, decided_now[p.name])
            )
        return len(items)

    def _save_pass(
        self,
        profile: str,
        mark: str,
        full_at: datetime,
        now: datetime,
        decided: dict[int, int],
        session: Any,
    ) -> None:
        state = {
            "mark": mark,
            "full_at": full_at.isoformat(),
            "through": now.isoformat(),
            "decided": {str(k): v for k, v in decided.items()},
        }
        repo.set_meta(session, self._PASS_KEY.format(profile=profile), state, now)

    def _item_vectors(
        self, session: Any, items: list[Item], writes: list[Callable[[Any], None]]
    ) -> tuple[Any, str | None]:
        """The items' embeddings from the semantic extra, computing the missing ones (new
        items: each is embedded once) and storing them through `writes`; (None, None) without
        the extra, (None, why) when its engine fails, so that scoring goes on with TF-IDF
        alone."""
        from curator import semantic
        from curator.store import embeddings

        if not semantic.available() or not items:
            return None, None
        import numpy as np

        stored = embeddings.get_vectors(session, (i.id for i in items), semantic.MODEL)
        missing = [i for i in items if i.id not in stored]
        try:
            fresh = semantic.embed_items(missing)
        except semantic.SemanticError as e:
            return None, f"{e}; ranked without it"
        new = {i.id: semantic.to_bytes(v) for i, v in zip(missing, fresh, strict=True)}
        writes.append(partial(_put_vectors, new, semantic.MODEL))
        stored.update(new)
        rows = [semantic.from_bytes(stored[i.id]) for i in items]
        blank = np.full(semantic.DIM, np.nan, dtype=np.float32)
        return np.vstack([r if r is not None else blank for r in rows]), None

    def _semantic_input(self, vectors: Any, profile: Profile) -> Any:
        from curator import score as scoring
        from curator import semantic

        if vectors is None or not profile.objective.strip():
            return None
        try:
            return scoring.SemanticInput(vectors, semantic.embed_objective(profile.objective))
        except semantic.SemanticError:
            return None

    def _corpus_stats(self, session: Any, since: datetime, now: datetime) -> scoring.CorpusStats:
        """Document frequencies of the window, updated with what arrived and what left since
        the last pass, or refitted when there is nothing usable stored (read only: `score`
        stores the result)."""
        from curator import score as scoring

        stored = repo.get_meta(session, score_store.STATS_KEY)
        stats = scoring.CorpusStats.from_json(stored) if isinstance(stored, dict) else None
        if stats is None or stats.since is None or stats.through is None or stats.through < since:
            return scoring.CorpusStats.fit(
                repo.list_items(session, since=since, state=None), since=since, through=now
            )
        added = score_store.items_fetched_between(session, stats.through, now)
        added = [i for i in added if i.fetched_at > stats.through]
        removed: list[Item] = (
            score_store.items_fetched_between(session, stats.since, since)
            if stats.since < since
            else []
        )
        return stats.updated(added=added, removed=removed, since=since, through=now)

    def queue(
        self, profile: str, *, limit: int | None = None, after: int | None = None
    ) -> list[QueueEntry]:
        """The profile's pending review queue, best first (see `store.queue.pending`); `after`
        an item id, the rows that follow it (the web queue's next page)."""
        self.settings.profile(profile)
        with self.db.reading() as session:
            return queue_store.pending(session, profile, self.now(), limit=limit, after=after)

    def get_versions(self, items: Iterable[Item]) -> dict[int, list[ClusterVersion]]:
        """The other versions folded into each item's story (near-duplicates), by item id."""
        with self.db.session() as session:
            return review_store.cluster_versions(session, items)

    def _score_stage(self) -> tuple[str, dict[str, Any]]:
        report = self.score(incremental=True)
        detail = {
            p.profile: {"pending": p.pending, "warnings": p.warnings} for p in report.profiles
        }
        return report.summary(), detail


def _replace_scores(profile: str, scores: list[Score], now: datetime, session: Any) -> None:
    score_store.replace_scores(session, profile, scores, now)


def _put_vectors(vectors: dict[int, bytes], model: str, session: Any) -> None:
    from curator.store import embeddings

    embeddings.put_vectors(session, vectors, model)


def _update_scores(
    profile: str, scores: list[Score], since: datetime, now: datetime, session: Any
) -> None:
    score_store.drop_scores_before(session, profile, since)
    score_store.update_scores(session, profile, scores, now)


def _pass_mark(profile: Profile, weights: dict[int, float]) -> str:
    """What a profile's stored scores were computed from, besides the items and decisions: a
    change of objective, keywords, schedule or feed weights calls for a full pass."""
    import hashlib

    text = repr((profile, sorted(weights.items())))
    return hashlib.sha256(text.encode()).hexdigest()


def _decided_since_pass(state: Any, decided: dict[int, int]) -> bool:
    """Whether the profile's decisions changed since its last scoring pass."""
    if not isinstance(state, dict) or not isinstance(state.get("decided"), dict):
        return bool(decided)
    return {int(k): v for k, v in state["decided"].items()} != decided


def _can_update(
    state: Any, mark: str, now: datetime, since: datetime, full_every: timedelta
) -> bool:
    """Whether an incremental pass may stand for a full one (see `Curator.score`)."""
    if not isinstance(state, dict) or state.get("mark") != mark:
        return False
    try:
        full_at = datetime.fromisoformat(state["full_at"])
        through = datetime.fromisoformat(state["through"])
        dict(state["decided"])
    except (KeyError, TypeError, ValueError):
        return False
    return now - full_at < full_every and since <= through <= now
