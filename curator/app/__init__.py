"""The facade `Curator` and its use cases, one module each (see `curator.app.facade`).

This is the only package where I/O meets policy; the CLI, the scheduler and the web app call
`Curator` and nothing else.
"""

from curator.app.calendar import write_if_changed
from curator.app.core import Clock, utc_now
from curator.app.digest import digest_file_name, last_digest_file
from curator.app.facade import Curator
from curator.app.plan import CalendarView, PlanReport, ProfilePlan
from curator.app.score import ProfileScores, ScoreReport
from curator.app.service import RUN_JOB, RunReport, StageResult

__all__ = [
    "RUN_JOB",
    "CalendarView",
    "Clock",
    "Curator",
    "PlanReport",
    "ProfilePlan",
    "ProfileScores",
    "RunReport",
    "ScoreReport",
    "StageResult",
    "digest_file_name",
    "last_digest_file",
    "utc_now",
    "write_if_changed",
]
