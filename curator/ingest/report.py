"""What one `curator fetch` did: per feed and in total. Plain values for the CLI and the run log."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from curator.i18n import N_, Message, Plural, joined


class FeedOutcome(enum.StrEnum):
    FETCHED = "fetched"  # a new copy was downloaded and parsed
    NOT_MODIFIED = "not_modified"  # 304
    FAILED = "failed"  # network/HTTP error or not a feed: backoff
    GONE = "gone"  # 410: never fetched again
    DISABLED = "disabled"  # this failure disabled the feed


@dataclass(frozen=True, slots=True)
class FeedReport:
    feed_id: int
    url: str
    name: str
    outcome: FeedOutcome
    http_status: int | None = None
    entries: int = 0  # entries in the document
    new_items: int = 0
    updated_items: int = 0
    duplicates: int = 0  # entries repeating an identity already in the same document
    error: str | None = None
    warning: str | None = None  # a broken feed that still gave entries
    moved_to: str | None = None  # permanent redirect: the stored URL was rewritten

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["outcome"] = self.outcome.value
        return data


@dataclass(frozen=True, slots=True)
class FetchReport:
    feeds: tuple[FeedReport, ...] = ()
    full_text_ok: int = 0
    full_text_failed: int = 0
    clustered: int = 0  # items newly attached to a near-duplicate cluster
    seconds: float = 0.0

    def count(self, *outcomes: FeedOutcome) -> int:
        return sum(1 for f in self.feeds if f.outcome in outcomes)

    @property
    def fetched(self) -> int:
        return self.count(FeedOutcome.FETCHED)

    @property
    def not_modified(self) -> int:
        return self.count(FeedOutcome.NOT_MODIFIED)

    @property
    def failed(self) -> int:
        return self.count(FeedOutcome.FAILED, FeedOutcome.GONE, FeedOutcome.DISABLED)

    @property
    def new_items(self) -> int:
        return sum(f.new_items for f in self.feeds)

    @property
    def updated_items(self) -> int:
        return sum(f.updated_items for f in self.feeds)

    def summary(self) -> str:
        """One line, English as a str; `Language.say` reads it in another language (issue 16)."""
        parts: list[str] = [
            Plural(
                "{n} feed: {fetched} fetched, {not_modified} not modified, {failed} failed",
                "{n} feeds: {fetched} fetched, {not_modified} not modified, {failed} failed",
                len(self.feeds),
                n=len(self.feeds),
                fetched=self.fetched,
                not_modified=self.not_modified,
                failed=self.failed,
            ),
            Message(
                N_("{new} new items, {updated} updated"),
                new=self.new_items,
                updated=self.updated_items,
            ),
        ]
        if self.full_text_ok or self.full_text_failed:
            parts.append(
                Message(
                    N_("full text {ok} ok, {failed} failed"),
                    ok=self.full_text_ok,
                    failed=self.full_text_failed,
                )
            )
        if self.clustered:
            parts.append(Message(N_("{n} clustered"), n=self.clustered))
        return joined("; ", parts)

    def to_dict(self, *, per_feed: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "feeds": len(self.feeds),
            "fetched": self.fetched,
            "not_modified": self.not_modified,
            "failed": self.failed,
            "new_items": self.new_items,
            "updated_items": self.updated_items,
            "full_text_ok": self.full_text_ok,
            "full_text_failed": self.full_text_failed,
            "clustered": self.clustered,
            "seconds": round(self.seconds, 3),
        }
        if per_feed:
            data["per_feed"] = [f.to_dict() for f in self.feeds]
        return data


@dataclass(frozen=True, slots=True)
class PageJob:
    """A stored item whose article page should be fetched for its full text."""

    item_id: int
    feed_id: int
    url: str
    text: str  # the feed's text, kept if the page yields less
    author: str | None
    published_at: datetime | None
