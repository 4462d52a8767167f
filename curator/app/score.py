"""Scoring: full and incremental passes, the ranked queue they leave behind."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from curator.app.core import CuratorCore
from curator.app.picks import follow_weights, followed, picked_ids, with_picks
from curator.i18n import N_, Message, Plural, joined
from curator.store import decisions, repo
from curator.store import queue as queue_store
from curator.store import review as review_store
from curator.store import scores as score_store
from curator.types import (
    ClusterVersion,
    Decision,
    Item,
    ItemsOnDemand,
    Profile,
    QueueEntry,
    Score,
    item_columns,
    item_ids,
    prefetch,
)

# The results rules are imported by the scoring pass that applies them, as the scorer is:
# `status` and the single-item commands never score (issue 19).
if TYPE_CHECKING:
    from curator import results
    from curator import score as scoring
    from curator.lang import LanguageGapNote


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
        scored = Plural("{n} item scored", "{n} items scored", self.items, n=self.items)
        if not self.profiles:
            return scored
        parts = [
            Message(N_("{profile} {n} pending"), profile=p.profile, n=p.pending)
            for p in self.profiles
        ]
        return Message("{scored} ({parts})", scored=scored, parts=joined(", ", parts))


@dataclass(frozen=True, slots=True)
class _ProfileReads:
    """What scoring one profile reads from the database (`ScoreUseCases._read_profile`)."""

    profile: Profile
    decided: dict[int, int]  # each decided item's current decision id
    picked: set[int]  # the items its followed colleagues pick
    history: list[Decision]
    decided_items: list[Item]
    factors: results.ScoreFactors
    follows: dict[int, float]  # each followed pick's weight, by item id
    examples: list[str]


@dataclass(slots=True)
class _FullPass:
    """What every profile of a full pass is scored from. `session`: the reading unit of the
    process scoring them (a forked process opens its own)."""

    items: Sequence[Item]
    matrix: scoring.ItemMatrix
    stats: scoring.CorpusStats
    sources: tuple[dict[int, float], dict[int, str]]
    now: datetime
    vectors: Any
    semantic_note: str | None
    feed_of: dict[int, int]
    keep: int
    session: Any


@dataclass(frozen=True, slots=True)
class _Scored:
    """A profile's part of a full pass: the scores it stores (`ScoreResult.scores`: its queue
    down to SCORE_KEEP and its decided and picked items), and what they came from."""

    result: scoring.ScoreResult
    decided: dict[int, int]
    picked: set[int]


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
    #: Each profile's decision model (`scoring.DecisionModel`) with the mark of the pass that
    #: fitted it: a pass over the same decisions applies it instead of fitting it again.
    _MODEL_KEY = "score.model.{profile}"
    #: What the last full pass noted of a profile whose objective is in another language than
    #: many of its items (`LanguageGapNote.to_json`), for the web workspace to say.
    _LANGUAGE_GAP_KEY = "score.language_gap.{profile}"

    def score(self, profile: str | None = None, *, incremental: bool = False) -> ScoreReport:
        """Re-score the items of the rolling window for one profile (or all) and store ranks.

        A full pass (`curator score`, the daily job) scores every item of the window. With
        `incremental` (a run, the service's tick, the end of a review), a profile whose last
        full pass is recent re-scores only what may have changed (issue 19): the head of its
        queue, the items that arrived since, and the items whose decision changed; the rest of
        the queue keeps its scores until the next full pass.
        """
        # Imported here: numpy and scipy cost every other command a third of a second; the
        # scorer imports scikit-learn itself, only to fit a decision model (issue 19).
        from curator import score as scoring
        from curator.lang import LanguageGapNote

        profiles = self.settings.select_profiles(profile)
        now = self.now()
        since = now - timedelta(days=scoring.WINDOW_DAYS)
        # Read and score in a reading unit, then write in one short unit: scoring takes
        # seconds, and holding SQLite's write lock meanwhile would keep every other command
        # waiting (issue 13). Two scorers at once each write a complete set of ranks.
        writes: list[Callable[[Any], None]] = []
        with self.db.reading() as session:
            stats = self._corpus_stats(session, since, now, writes)
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
                # Texts read when scoring needs them: every item has its stored counts.
                items = score_store.window(session, since)
                report.items = len(items)
                matrix = scoring.vectorize(items, stats, self._item_counts(session, items, writes))
                vectors, semantic_note = self._item_vectors(session, items, writes)
                # Built once for all the profiles: 100,000 entries per profile cost ~1%.
                columns = item_columns(items)
                feed_of = dict(zip(columns.ids, columns.feed_ids, strict=True))
                shared = _FullPass(
                    items, matrix, stats, (weights, names), now, vectors, semantic_note,
                    feed_of, self.SCORE_KEEP, session,
                )  # fmt: skip
                for p, scored in zip(full, self._score_full(shared, full), strict=True):
                    kept, model = scored.result.scores, scored.result.model
                    writes.append(partial(_save_model, p.name, marks[p.name], model, now))
                    writes.append(partial(_replace_scores, p.name, kept, now))
                    # Said by a full pass only: it sees every item of the window, while an
                    # incremental pass sees the head of the queue, in the objective's language.
                    notes = scored.result.warnings
                    gap = next((w for w in notes if isinstance(w, LanguageGapNote)), None)
                    writes.append(partial(_save_language_gap, p.name, gap, now))
                    pending = sum(1 for s in kept if s.rank is not None)
                    report.profiles.append(
                        ProfileScores(p.name, len(items), pending, scored.result.warnings)
                    )
                    writes.append(
                        partial(
                            self._save_pass,
                            p.name,
                            marks[p.name],
                            now,
                            now,
                            scored.decided,
                            scored.picked,
                        )
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

    def _score_full(self, shared: _FullPass, profiles: Sequence[Profile]) -> list[_Scored]:
        """The full pass's scores of `profiles`, in their order, shared out between processes
        forked from this one once the items' matrix is built (issue 17): a profile's scoring
        depends on no other's. Each process reads what a profile's scoring needs from the
        database when it scores it, through a connection of its own: read beforehand for
        every profile, a year of decisions (and the decided items' texts) of a thousand
        profiles would all be held at once."""
        from curator import forking
        from curator import score as scoring

        # One process unless asked: on 2 idle cores two processes took 0.82x the wall time
        # of one but 1.36x its CPU and 1.19x its memory (1,000 profiles x 100,000 items,
        # bench/many_profiles.py), a poor trade for a daily job beside the service's fetches.
        wanted = self.settings.score.processes or 1
        processes = scoring.scoring_processes(len(profiles), len(shared.items), wanted)
        if processes > 1 and not (self.db.shared and forking.can_fork()):
            processes = 1  # an in-memory database, or threads that forking would break
        if processes > 1:
            deciding = len(decisions.deciding(shared.session, [p.name for p in profiles]))
            scoring.share_before_fork(
                shared.matrix, shared.items, feedback=deciding, fit_models=deciding > 0
            )
        return forking.map_chunks(
            partial(self._score_chunk, shared),
            profiles,
            processes=processes,
            chunk=scoring.profile_chunk(len(profiles), processes),
            child_setup=partial(self._reading_in_child, shared),
        )

    def _score_chunk(self, shared: _FullPass, profiles: Sequence[Profile]) -> list[_Scored]:
        """`_score_full` for a few consecutive profiles, in whichever process scores them."""
        from curator import score as scoring

        session = shared.session
        reads = [self._read_profile(session, p, shared.now) for p in profiles]
        # Their relevance as one sparse product (issue 17).
        scoring.expect_profiles(shared.matrix, [(r.profile, r.examples) for r in reads])
        out = []
        for r in reads:
            # A followed colleague's pick keeps its score whatever its rank: it enters the
            # queue (issue 17).
            keep = set(r.decided) | r.picked
            result = self._score_profile(
                r, shared.items, shared.matrix, shared.stats, shared.sources, shared.now,
                shared.vectors, shared.semantic_note, keep=(shared.keep, keep),
                feed_of=shared.feed_of,
            )  # fmt: skip
            kept = scoring.kept_scores(result.scores, keep, shared.keep)
            kept = _unranked_beyond(kept, r.picked - set(r.decided), shared.keep)
            out.append(_Scored(replace(result, scores=kept), r.decided, r.picked))
        return out

    @contextmanager
    def _reading_in_child(self, shared: _FullPass) -> Iterator[None]:
        """Around a forked process's share of `_score_full`: a reading unit on a connection of
        its own, through which it also reads the items' texts on demand. The parent's
        connection stays the parent's: used from two processes, it would break."""
        self.db.after_fork()
        with self.db.reading() as session:
            shared.session = session
            if isinstance(shared.items, ItemsOnDemand):
                shared.items.read_with(partial(score_store.read_items, session))
            yield

    def _read_profile(
        self,
        session: Any,
        p: Profile,
        now: datetime,
        decided: dict[int, int] | None = None,
        picked: set[int] | None = None,
    ) -> _ProfileReads:
        """What scoring `p` reads from the database (`decided` and `picked` when the caller
        has read them already)."""
        history = decisions.history(session, p.name)
        return _ProfileReads(
            profile=p,
            decided=decisions.current_ids(session, p.name) if decided is None else decided,
            picked=picked_ids(session, p) if picked is None else picked,
            history=history,
            decided_items=repo.list_items(session, ids={d.item_id for d in history}, state=None),
            # What the profile's relays earned moves its sources' and topics' weights,
            # bounded (issue 15).
            factors=self._score_factors(session, p, now),
            follows=follow_weights(session, p),
            examples=self._example_texts(session, p),
        )

    def _score_profile(
        self,
        r: _ProfileReads,
        items: Sequence[Item],
        matrix: scoring.ItemMatrix,
        stats: scoring.CorpusStats,
        sources: tuple[dict[int, float], dict[int, str]],
        now: datetime,
        vectors: Any = None,
        semantic_note: str | None = None,
        keep: tuple[int, Iterable[int]] | None = None,
        feed_of: dict[int, int] | None = None,
        model: scoring.DecisionModel | None = None,
    ) -> scoring.ScoreResult:
        """One profile's scores over `items` (and their embeddings from the semantic extra,
        when installed), from what `_read_profile` read of it, with its relays' results
        applied to its sources' weights (`sources`: each feed's weight and name). With `keep`
        (a rank and item ids), only the items ranked down to that rank and those items are
        returned. `feed_of`: each item's feed by id, when the caller already has it. `model`:
        the decision model of an earlier pass, applied if it learned from the current
        decisions."""
        from curator import results
        from curator import score as scoring

        p = r.profile
        weights, names = sources
        on_topic = results.topics_of_items(items, matrix, r.factors)
        item_weights = results.topic_weights(on_topic)
        # A followed colleague's pick counts as a source (issue 17): the follow's weight
        # scales the item's odds the way a feed's weight does.
        for item_id, weight in r.follows.items():
            item_weights[item_id] = item_weights.get(item_id, 1.0) * weight
        result = scoring.score_items(
            p,
            items,
            decisions=r.history,
            decided_items=r.decided_items,
            stats=stats,
            feed_weights=results.weighted_feeds(weights, names, r.factors),
            item_weights=item_weights,
            now=now,
            example_texts=r.examples,
            matrix=matrix,
            semantic=self._semantic_input(vectors, p),
            keep_rank=keep[0] if keep else None,
            keep_items=keep[1] if keep else (),
            model=model,
        )
        if feed_of is None:
            columns = item_columns(items)
            feed_of = dict(zip(columns.ids, columns.feed_ids, strict=True))
        warnings = list(result.warnings)
        note = semantic_note or scoring.language_gap_note(p, items, vectors is not None)
        if note:
            warnings.append(note)
        return replace(
            result,
            scores=results.explained(result.scores, feed_of, names, r.factors, on_topic),
            warnings=warnings,
        )

    def _example_texts(self, session: Any, p: Profile) -> list[str]:
        """The profile's URL examples as the stored items' text."""
        examples = score_store.items_by_url(session, p.examples)
        return [f"{i.title}. {i.text}" for i in examples.values()]

    def _score_factors(self, session: Any, p: Profile, now: datetime) -> results.ScoreFactors:
        from curator import results
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
        picked_now: dict[str, set[int]] = {}
        repicked: dict[str, set[int]] = {}  # picked or unpicked by a colleague since
        for p in profiles:
            state = states[p.name]
            decided = decisions.current_ids(session, p.name)
            before = {int(k): v for k, v in state["decided"].items()}
            changed = {i for i, d in decided.items() if before.get(i) != d}
            changed |= set(before) - set(decided)  # undone
            # Picks of followed colleagues made or taken back since (issue 17).
            picked_now[p.name] = picked_ids(session, p)
            repicked[p.name] = picked_now[p.name] ^ {int(i) for i in state.get("picks", ())}
            changed |= repicked[p.name]
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
        matrix = scoring.vectorize(items, stats, self._item_counts(session, items, writes))
        vectors, semantic_note = self._item_vectors(session, items, writes)
        for p in profiles:
            ids = sorted(i for i in wanted[p.name] if i in by_id)
            subset = [by_id[i] for i in ids]
            rows = vectors[[row_of[i] for i in ids]] if vectors is not None else None
            # Decisions unchanged since the model was fitted: applied, not fitted again.
            stored = repo.get_meta(session, self._MODEL_KEY.format(profile=p.name))
            model = (
                scoring.DecisionModel.from_json(stored.get("model"))
                if isinstance(stored, dict) and stored.get("mark") == marks[p.name]
                else None
            )
            reads = self._read_profile(session, p, now, decided_now[p.name], picked_now[p.name])
            result = self._score_profile(
                reads,
                subset,
                scoring.select_rows(matrix, ids),
                stats,
                (weights, names),
                now,
                rows,
                semantic_note,
                model=model,
            )
            if result.model is not model:
                writes.append(partial(_save_model, p.name, marks[p.name], result.model, now))
            others = score_store.ranked_finals(session, p.name, exclude=ids)
            scores = scoring.merge_ranks(result.scores, self.SCORE_HEAD, others)
            scores = _unranked_beyond(scores, repicked[p.name], self.SCORE_KEEP)
            # Stored as a full pass stores them: the queue down to SCORE_KEEP and every decided
            # or picked item. An hour of new items is re-scored at every pass (LATE_COMMIT):
            # with 10,000 feeds and 1,000 profiles, storing all of them wrote millions of rows.
            kept = scoring.kept_scores(
                scores, set(decided_now[p.name]) | picked_now[p.name], self.SCORE_KEEP
            )
            writes.append(partial(_update_scores, p.name, ids, kept, since, now))
            pending = len(others) + sum(1 for s in kept if s.rank is not None)
            report.profiles.append(ProfileScores(p.name, len(subset), pending, result.warnings))
            full_at = datetime.fromisoformat(states[p.name]["full_at"])
            writes.append(
                partial(
                    self._save_pass,
                    p.name,
                    marks[p.name],
                    full_at,
                    now,
                    decided_now[p.name],
                    picked_now[p.name],
                )
            )
        return len(items)

    def _save_pass(
        self,
        profile: str,
        mark: str,
        full_at: datetime,
        now: datetime,
        decided: dict[int, int],
        picked: set[int],
        session: Any,
    ) -> None:
        state = {
            "mark": mark,
            "full_at": full_at.isoformat(),
            "through": now.isoformat(),
            "decided": {str(k): v for k, v in decided.items()},
            "picks": sorted(picked),
        }
        repo.set_meta(session, self._PASS_KEY.format(profile=profile), state, now)

    def _item_counts(
        self, session: Any, items: Sequence[Item], writes: list[Callable[[Any], None]]
    ) -> Any:
        """The items' term counts (`scoring.item_counts`): read from the stored analyses, the
        items without one (new items, or a new analyser) analysed now and stored through
        `writes`. An item's text never changes once stored, so it is analysed once (issue 19)."""
        from curator import score as scoring
        from curator.store import terms

        analysed = self._analysed_in_pass(writes)
        ids = item_ids(items)
        stored = terms.get_counts(
            session, (i for i in ids if i not in analysed), scoring.ANALYSER_VERSION
        )
        stored.update((i, analysed[i]) for i in ids if i in analysed)
        counts, fresh = scoring.item_counts(items, stored)
        del stored
        if fresh:
            analysed.update(fresh)
            writes.append(partial(_put_counts, fresh))
        return counts

    @staticmethod
    def _analysed_in_pass(writes: list[Callable[[Any], None]]) -> dict[int, tuple[bytes, bytes]]:
        """What this pass analysed so far (not stored until its writing unit), found in the
        pass's `writes`: a first pass fits the idf and scores from one analysis."""
        out: dict[int, tuple[bytes, bytes]] = {}
        for write in writes:
            if isinstance(write, partial) and write.func is _put_counts:
                out.update(write.args[0])
        return out

    def _item_vectors(
        self, session: Any, items: Sequence[Item], writes: list[Callable[[Any], None]]
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

        ids = item_ids(items)
        stored = embeddings.get_vectors(session, ids, semantic.MODEL)
        absent = [k for k, i in enumerate(ids) if i not in stored]
        prefetch(items, absent)
        missing = [items[k] for k in absent]
        try:
            fresh = semantic.embed_items(missing)
        except semantic.SemanticError as e:
            return None, Message(N_("{error}; ranked without it"), error=str(e))
        new = {i.id: semantic.to_bytes(v) for i, v in zip(missing, fresh, strict=True)}
        writes.append(partial(_put_vectors, new, semantic.MODEL))
        stored.update(new)
        rows = [semantic.from_bytes(stored[i]) for i in ids]
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

    def _corpus_stats(
        self, session: Any, since: datetime, now: datetime, writes: list[Callable[[Any], None]]
    ) -> scoring.CorpusStats:
        """Document frequencies of the window, updated with what arrived and what left since
        the last pass, or refitted when there is nothing usable stored (read only: `score`
        stores the result, and the analyses it made through `writes`)."""
        from curator import score as scoring

        stored = repo.get_meta(session, score_store.STATS_KEY)
        stats = scoring.CorpusStats.from_json(stored) if isinstance(stored, dict) else None
        # Items read on demand: an item's stored counts are all the idf needs of it.
        if stats is None or stats.since is None or stats.through is None or stats.through < since:
            items = score_store.fetched_between(session, since)
            return scoring.CorpusStats.fit_counts(
                self._item_counts(session, items, writes), since=since, through=now
            )
        added = score_store.fetched_between(session, stats.through, now, after_start=True)
        removed: Sequence[Item] = (
            score_store.fetched_between(session, stats.since, since) if stats.since < since else []
        )
        # From the stored counts: an item that left the window was analysed when it entered,
        # and one that just arrived is analysed here once for the idf and the scores.
        return stats.updated_counts(
            added=self._item_counts(session, added, writes) if added else None,
            removed=self._item_counts(session, removed, writes) if removed else None,
            since=since,
            through=now,
        )

    def queue(
        self, profile: str, *, limit: int | None = None, after: int | None = None
    ) -> list[QueueEntry]:
        """The profile's pending review queue, best first (see `store.queue.pending`), with
        the picks of the colleagues it follows (issue 17); `after` an item id, the rows that
        follow it (the web queue's next page)."""
        p = self.settings.profile(profile)
        with self.db.reading() as session:
            entries = queue_store.pending(
                session, profile, self.now(), limit=limit, after=after, followed=followed(p)
            )
            return with_picks(session, p, entries)

    def language_gap(self, profile: str) -> LanguageGapNote | None:
        """The last full pass's note that the profile's objective is in another language than
        many of its items, the semantic extra not being installed (issue 18); None otherwise.
        Light enough for every page that shows it: one row read, and neither the scorer nor
        the extra imported unless a note was stored."""
        from curator.lang import LanguageGapNote

        with self.db.reading() as session:
            stored = repo.get_meta(session, self._LANGUAGE_GAP_KEY.format(profile=profile))
        note = LanguageGapNote.from_json(profile, stored)
        if note is None:
            return None
        from curator import semantic

        # Installed since that pass: the next one ranks by meaning as well.
        return None if semantic.available() else note

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


def _unranked_beyond(scores: list[Score], ids: set[int], keep: int) -> list[Score]:
    """The scores of `ids` (followed colleagues' picks, issue 17) ranked below `keep` stored
    without a rank, as a full pass leaves out the tail of the queue: such an item is pending
    as a pick only, so it leaves the queue when the colleague takes her approval back."""
    if not ids:
        return scores
    return [
        replace(s, rank=None) if s.item_id in ids and s.rank is not None and s.rank > keep else s
        for s in scores
    ]


def _replace_scores(profile: str, scores: list[Score], now: datetime, session: Any) -> None:
    score_store.replace_scores(session, profile, scores, now)


def _save_language_gap(
    profile: str, gap: LanguageGapNote | None, now: datetime, session: Any
) -> None:
    key = ScoreUseCases._LANGUAGE_GAP_KEY.format(profile=profile)
    _set_or_clear_meta(session, key, gap.to_json() if gap is not None else None, now)


def _save_model(
    profile: str, mark: str, model: scoring.DecisionModel | None, now: datetime, session: Any
) -> None:
    # A model of None: its decisions changed, the stored one is never applied again.
    value = {"mark": mark, "model": model.to_json()} if model is not None else None
    _set_or_clear_meta(session, ScoreUseCases._MODEL_KEY.format(profile=profile), value, now)


def _set_or_clear_meta(session: Any, key: str, value: object, now: datetime) -> None:
    """Store `value` under `key`; None clears a stored value, and writes no row where none was."""
    if value is not None or repo.get_meta(session, key) is not None:
        repo.set_meta(session, key, value, now)


def _put_counts(packed: dict[int, tuple[bytes, bytes]], session: Any) -> None:
    from curator import score as scoring
    from curator.store import terms

    terms.put_counts(session, packed, scoring.ANALYSER_VERSION)


def _put_vectors(vectors: dict[int, bytes], model: str, session: Any) -> None:
    from curator.store import embeddings

    embeddings.put_vectors(session, vectors, model)


def _update_scores(
    profile: str,
    rescored: list[int],
    scores: list[Score],
    since: datetime,
    now: datetime,
    session: Any,
) -> None:
    score_store.drop_scores_before(session, profile, since)
    score_store.update_scores(session, profile, rescored, scores, now)


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
