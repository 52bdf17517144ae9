"""The statistics' queries over the raw activity log: exact in any zone, and the oracle the
rollups (:mod:`stats_rollup`) are tested against. Each method returns the small grouped rows
:func:`stats.compute_stats` merges; :class:`stats_rollup.RollupQueries` answers the same methods
from the rollups.

All aggregation is ``GROUP BY`` in SQL over ``ix_activity_kind_at`` (a range scan on
``(kind, at)`` that covers ``after, unit_code, actor_id``); local days and hours come from
:mod:`stats_sql`'s offset segments, so daylight saving is exact on both engines.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlmodel import Session

from iticket.core.models import Activity, ActivityKind, Status, Ticket
from iticket.core.services import stats_sql
from iticket.core.services.stats_schemas import SectorStats
from iticket.core.timeutil import utcnow

CLOSED = (Status.RESOLVED.value, Status.REJECTED.value)
ActorCloses = dict[tuple[str, int | None, str], int]  # (unit, actor id, status) -> n
DayCloses = dict[tuple[str, str], int]  # (local day 'YYYY-MM-DD', status) -> n
_A = Activity.__table__.c  # type: ignore[attr-defined]
_T = Ticket.__table__.c  # type: ignore[attr-defined]


class LogQueries:
    """The report's SQL, sharing the range, unit filter and local-time segments."""

    def __init__(self, session: Session, dialect: str, start: datetime | None,
                 end: datetime | None, unit: str | None, zone: tzinfo) -> None:
        self.s, self.dialect, self.start, self.end, self.unit = session, dialect, start, end, unit
        span_start = start or session.execute(select(func.min(_A.at))).scalar() or utcnow()
        span_end = end or utcnow() + timedelta(days=1)
        self.segments = stats_sql.offset_segments(zone, span_start, max(span_end, span_start))
        self.zone = zone

    def _where(self, *kind_clauses: Any, unit_col: Any = _A.unit_code) -> list[Any]:
        where = list(kind_clauses)
        if self.start is not None:
            where.append(_A.at >= self.start)
        if self.end is not None:
            where.append(_A.at < self.end)
        if self.unit is not None:
            where.append(unit_col == self.unit)
        return where

    def _closed(self, statuses: tuple[str, ...] = CLOSED) -> list[Any]:
        return self._where(_A.kind == ActivityKind.STATUS_CHANGED.value, _A.after.in_(statuses))

    def _created(self) -> list[Any]:
        return self._where(_A.kind == ActivityKind.TICKET_CREATED.value)

    def closes(self) -> tuple[ActorCloses, DayCloses]:
        """Closings per (unit, actor, status) and per (local day, status), from one scan."""
        day = stats_sql.local_day(self.dialect, _A.at, self.segments).label("day")
        q = (select(day, _A.unit_code, _A.actor_id, _A.after, func.count()).where(*self._closed())
             .group_by(literal_column("day"), _A.unit_code, _A.actor_id, _A.after))
        by_actor: ActorCloses = defaultdict(int)
        by_day: DayCloses = defaultdict(int)
        for d, unit, actor, status, n in self.s.execute(q):
            by_actor[(unit, actor, status)] += n
            by_day[(d, status)] += n
        return by_actor, by_day

    def created(self) -> list[tuple[str, int, str, int]]:
        day = stats_sql.local_day(self.dialect, _A.at, self.segments).label("day")
        hour = stats_sql.local_hour(self.dialect, _A.at, self.segments).label("hour")
        q = (select(day, hour, _A.unit_code, func.count()).where(*self._created())
             .group_by(literal_column("day"), literal_column("hour"), _A.unit_code))
        return [(d, int(h), u, n) for d, h, u, n in self.s.execute(q)]

    def backlog(self) -> dict[tuple[str, str], int]:
        q = (select(_T.unit_code, _T.status, func.count())
             .where(_T.status.in_([Status.PENDING.value, Status.IN_PROGRESS.value]))
             .group_by(_T.unit_code, _T.status))
        if self.unit is not None:
            q = q.where(_T.unit_code == self.unit)
        return {(u, s): n for u, s, n in self.s.execute(q)}

    def _percentiles(self, minutes: Any, where: list[Any], on: Any) -> dict[str, tuple[float, float]]:
        """Median and p90 per unit with window functions both engines have."""
        inner = (select(_A.unit_code.label("unit"), minutes.label("m"))
                 .select_from(Activity.__table__.join(Ticket.__table__, on))  # type: ignore[attr-defined]
                 .where(*where).subquery())
        ranked = select(
            inner.c.unit, inner.c.m,
            func.row_number().over(partition_by=inner.c.unit, order_by=inner.c.m).label("rn"),
            # Same partition and order as row_number (whole-partition frame): one sort, not two.
            func.count().over(partition_by=inner.c.unit, order_by=inner.c.m,
                              rows=(None, None)).label("n"),
        ).subquery()
        rn, n = ranked.c.rn, ranked.c.n
        # Integer division ('//' renders it on both engines): the two middle ranks, and
        # ceil(0.9 n) for the nearest-rank p90.
        lo, hi, p90 = (n + 1) // 2, (n + 2) // 2, (n * 9 + 9) // 10
        middle = or_(rn == lo, rn == hi)
        q = (select(ranked.c.unit,
                    func.avg(case((middle, ranked.c.m))),
                    func.max(case((rn == p90, ranked.c.m))))
             .where(or_(middle, rn == p90)).group_by(ranked.c.unit))
        return {u: (round(float(med), 1), round(float(p), 1)) for u, med, p in self.s.execute(q)}

    def percentiles_first_assignment(self) -> dict[str, tuple[float, float]]:
        # The first assignment is the 'assigned' event logged at the ticket's first_assigned_at.
        on = and_(_T.id == _A.ticket_id, _T.first_assigned_at == _A.at)
        minutes = stats_sql.minutes_between(self.dialect, _T.created_at, _A.at)
        return self._percentiles(minutes, self._where(_A.kind == ActivityKind.ASSIGNED.value), on)

    def percentiles_resolution(self) -> dict[str, tuple[float, float]]:
        minutes = stats_sql.minutes_between(self.dialect, _T.created_at, _A.at)
        return self._percentiles(minutes, self._closed((Status.RESOLVED.value,)), _T.id == _A.ticket_id)

    def by_sector(self) -> list[SectorStats]:
        join = Activity.__table__.join(Ticket.__table__, _T.id == _A.ticket_id)  # type: ignore[attr-defined]
        counts: dict[str, dict[str, int]] = {}
        q = (select(_T.requester_sector, _A.kind, _A.after, func.count()).select_from(join)
             .where(or_(and_(*self._created()), and_(*self._closed())))
             .group_by(_T.requester_sector, _A.kind, _A.after))
        for sector, kind, after, n in self.s.execute(q):
            key = "created" if kind == ActivityKind.TICKET_CREATED.value else after
            c = counts.setdefault(sector, {})
            c[key] = c.get(key, 0) + n
        return sector_rows(counts)


def sector_rows(counts: dict[str, dict[str, int]]) -> list[SectorStats]:
    """``{sector: {"created"|"resolved"|"rejected": n}}`` as rows, busiest first."""
    rows = [SectorStats(sector=s, created=c.get("created", 0),
                        resolved=c.get(Status.RESOLVED.value, 0),
                        rejected=c.get(Status.REJECTED.value, 0)) for s, c in counts.items()]
    return sorted(rows, key=lambda r: (-r.created, -r.resolved - r.rejected, r.sector))
