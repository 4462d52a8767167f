"""The facade: each use case of curator, wiring storage, network and clock once.

`Curator` is composed of one class per use case (`curator.app.<use case>`); a use case that
calls another inherits it, so each module states what it depends on.
"""

from __future__ import annotations

from curator.app.calendar import CalendarUseCases
from curator.app.digest import DigestUseCases
from curator.app.ideas import IdeasUseCases
from curator.app.ingest import IngestUseCases
from curator.app.picks import PicksUseCases
from curator.app.plan import PlanUseCases
from curator.app.results import ResultsUseCases
from curator.app.review import ReviewUseCases
from curator.app.score import ScoreUseCases
from curator.app.service import ServiceUseCases


class Curator(
    ServiceUseCases,
    ReviewUseCases,
    DigestUseCases,
    ResultsUseCases,
    IngestUseCases,
    ScoreUseCases,
    PlanUseCases,
    IdeasUseCases,
    CalendarUseCases,
    PicksUseCases,
):
    """One configured curator over one database."""
