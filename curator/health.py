"""What `/healthz` concludes from the stored state: ok, degraded or failing, with the reasons.

Pure: the facade reads the feeds, the last run of each job and the latest digests, and this
decides (issue 13: the endpoint said "ok" while 8 of 8 feeds failed). The rules, in order:

- failing (HTTP 503): there is at least one feed and every feed is failing (its last fetches
  failed, or it is disabled or gone): the service runs but brings nothing in; or the state
  cannot be read at all (the facade reports that one itself).
- degraded (HTTP 200): some feeds are failing; or the last run of a job ended in an error or
  crashed; or a digest of the last days failed or is in doubt.
- ok (HTTP 200): none of the above (no feed configured yet is not a fault).

503 for failing because that is what uptime monitors and load balancers treat as down; a
degraded service still does useful work, so it keeps 200 and says why in `reasons`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from curator.types import Digest, DigestState, Feed

#: Failing feeds named in the reasons; more are counted, not listed.
NAMED_FEEDS = 5


class HealthStatus(enum.StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    FAILING = "failing"


@dataclass(frozen=True, slots=True)
class Health:
    status: HealthStatus
    reasons: tuple[str, ...] = ()

    @property
    def http_status(self) -> int:
        return 503 if self.status is HealthStatus.FAILING else 200


@dataclass(frozen=True, slots=True)
class JobOutcome:
    """The last run of one job, as far as health cares."""

    status: str  # ok | error | crashed
    error: str | None = None


def assess(
    feeds: Sequence[Feed],
    last_runs: Mapping[str, JobOutcome],
    digests: Sequence[Digest] = (),
) -> Health:
    """Health from the stored feeds, each job's last run and the recent outbox rows."""
    reasons: list[str] = []
    failing = [f for f in feeds if f.failing]
    all_failing = bool(feeds) and len(failing) == len(feeds)
    if failing:
        named = ", ".join(
            f"{f.display_name} ({f.last_error or f.status.value})" for f in failing[:NAMED_FEEDS]
        )
        more = f" and {len(failing) - NAMED_FEEDS} more" if len(failing) > NAMED_FEEDS else ""
        reasons.append(f"{len(failing)} of {len(feeds)} feeds failing: {named}{more}")
    for job, run in sorted(last_runs.items()):
        if run.status != "ok":
            reasons.append(f"last {job} run {run.status}: {run.error or 'no detail'}")
    for digest in digests:
        if digest.state is DigestState.FAILED:
            reasons.append(
                f"digest of {digest.profile} for {digest.day.isoformat()} failed: "
                f"{digest.last_error or 'no detail'}"
            )
        elif digest.state is DigestState.SENDING and digest.last_error:
            # `sending` with an error is "in doubt"; without one it is being sent right now.
            reasons.append(
                f"digest of {digest.profile} for {digest.day.isoformat()} in doubt: "
                f"{digest.last_error}"
            )
    if all_failing:
        return Health(HealthStatus.FAILING, tuple(reasons))
    return Health(HealthStatus.DEGRADED if reasons else HealthStatus.OK, tuple(reasons))
