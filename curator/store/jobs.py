"""The service's job log: one row per job run, for `/healthz` and `curator status`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from curator.store.models import JobRunRow


@dataclass(frozen=True, slots=True)
class JobRun:
    job: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "status": self.status,
            "detail": self.detail,
        }


def record_run(
    session: Session,
    job: str,
    started_at: datetime,
    finished_at: datetime,
    status: str,
    detail: dict[str, Any],
) -> None:
    session.add(
        JobRunRow(
            job=job, started_at=started_at, finished_at=finished_at, status=status, detail=detail
        )
    )


def last_runs(session: Session) -> dict[str, JobRun]:
    latest = (
        select(JobRunRow.job, func.max(JobRunRow.id).label("last_id"))
        .group_by(JobRunRow.job)
        .subquery()
    )
    rows = session.scalars(select(JobRunRow).join(latest, JobRunRow.id == latest.c.last_id))
    return {
        row.job: JobRun(row.job, row.started_at, row.finished_at, row.status, dict(row.detail))
        for row in rows
    }
