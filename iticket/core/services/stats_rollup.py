"""Statistics rollups: counts pre-grouped by local day and a duration index, kept up to date in
the same transaction as the activity they come from.

Why: a one-year report at a million tickets would otherwise group millions of activity rows
(several seconds). The rollups hold at most a few hundred rows per day, so the report reads a
few thousand rows, and its percentiles walk one index in duration order up to the wanted rank.

Contract:

- Derived data only: :func:`rebuild` recomputes everything from the activity log with the same
  definitions as the raw queries in :mod:`stats` (which stay as the oracle the tests compare
  against). ``iticket stats rebuild`` runs it; migration 0002 runs it once on upgrade.
- The rollups are *built* when the :class:`StatRollup` row exists; it names the IANA zone the
  local days and hours are cut in. Without it :func:`record` does nothing and reports read the
  raw log. A report asked for in another zone also reads the raw log (exact, slower).
- :func:`record` is called by ``services._common.log`` for every activity row. It only collects
  the counted facts; :func:`_apply` runs as a pre-commit hook of ``Database.write`` and applies
  them as upserts sorted by key, so two PostgreSQL transactions touching the same counters lock
  them in the same order (no deadlocks), and a rolled-back change leaves no count behind.
- The zone is read from the database in each applying transaction (``FOR SHARE`` on
  PostgreSQL), never from the writing process's settings, so a bot and a CLI started with
  different ``ITICKET_TIMEZONE`` still cut days the same way; a concurrent rebuild (which
  holds the row ``FOR UPDATE``) makes writers wait instead of mixing zones.

What is counted (identical to the raw queries):
``stat_daily``: resolved / rejected per closing actor, and first assignments per assigning actor,
at the unit of the event; ``stat_hourly``: tickets created per local hour; ``stat_sector``:
created / resolved / rejected per requester sector; ``stat_duration``: minutes from creation to
the first assignment and to each resolution.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Table, and_, delete, func, insert, literal, select
from sqlmodel import Session

from iticket.core.config import get_settings
from iticket.core.db import PRECOMMIT, Database
from iticket.core.errors import ValidationError
from iticket.core.i18n import _
from iticket.core.models import (
    Activity,
    ActivityKind,
    StatDaily,
    StatDuration,
    StatHourly,
    StatRollup,
    StatSector,
    Status,
    Ticket,
)
from iticket.core.services import stats_sql
from iticket.core.services.stats_log import CLOSED, ActorCloses, DayCloses, LogQueries, sector_rows
from iticket.core.services.stats_schemas import SectorStats
from iticket.core.timeutil import system_zone_name, utcnow

_FACTS = "iticket_stat_facts"
FIRST_ASSIGNED = "first_assigned"
CREATED = "created"
FIRST_ASSIGNMENT = "first_assignment"  # StatDuration.kind
RESOLUTION = "resolution"

_DAILY: Table = StatDaily.__table__  # type: ignore[attr-defined]
_HOURLY: Table = StatHourly.__table__  # type: ignore[attr-defined]
_SECTOR: Table = StatSector.__table__  # type: ignore[attr-defined]
_DURATION: Table = StatDuration.__table__  # type: ignore[attr-defined]
_A = Activity.__table__.c  # type: ignore[attr-defined]
_T = Ticket.__table__.c  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Fact:
    """One counted event, before its local day is known."""

    at: datetime
    unit: str
    metric: str  # created | resolved | rejected | first_assigned
    actor_id: int
    sector: str
    minutes: float | None  # resolution / first assignment duration


def configured_zone_name() -> str | None:
    """The zone reports default to (``ITICKET_TIMEZONE``, else the system's IANA zone, else
    UTC), or ``None`` if ``ITICKET_TIMEZONE`` names no zone."""
    name = (get_settings().timezone or "").strip() or system_zone_name() or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None
    return name


def built_zone(session: Session) -> str | None:
    """The zone the rollups are cut in, or ``None`` when they are not built."""
    return session.execute(select(StatRollup.timezone)).scalar()  # type: ignore[call-overload]


def record(session: Session, kind: str, *, ticket_id: int | None, unit: str | None,
           actor_id: int | None, after: str | None, at: datetime) -> None:
    """Note the counted facts of one activity row; applied just before the transaction commits."""
    metric = _metric(kind, after)
    if metric is None or ticket_id is None:
        return
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return
    minutes = None
    if metric == FIRST_ASSIGNED:
        if ticket.first_assigned_at != at:  # only the first assignment is measured
            return
        minutes = _minutes(ticket.created_at, at)
    elif metric == Status.RESOLVED.value:
        minutes = _minutes(ticket.created_at, at)
    facts: list[_Fact] = session.info.setdefault(_FACTS, [])
    facts.append(_Fact(at, unit or "", metric, actor_id or 0, ticket.requester_sector, minutes))
    session.info.setdefault(PRECOMMIT, {})[__name__] = _apply


def _metric(kind: str, after: str | None) -> str | None:
    if kind == ActivityKind.TICKET_CREATED:
        return CREATED
    if kind == ActivityKind.STATUS_CHANGED and after in CLOSED:
        return str(after)
    if kind == ActivityKind.ASSIGNED:
        return FIRST_ASSIGNED
    return None


def _minutes(earlier: datetime, later: datetime) -> float:
    return (later - earlier).total_seconds() / 60.0


def _apply(session: Session) -> None:
    facts: list[_Fact] = session.info.pop(_FACTS, [])
    if not facts:
        return
    zone_name = session.execute(
        select(StatRollup.timezone).with_for_update(read=True)  # type: ignore[call-overload]
    ).scalar()
    if zone_name is None:
        return  # not built: the raw log is the only source
    zone = ZoneInfo(zone_name)
    daily: Counter[tuple[str, str, str, int]] = Counter()  # (metric, day, unit, actor)
    hourly: Counter[tuple[str, int, str]] = Counter()
    sector: Counter[tuple[str, str, str, str]] = Counter()
    durations: list[dict[str, Any]] = []
    for f in facts:
        local = f.at.astimezone(zone)
        day = local.strftime("%Y-%m-%d")
        if f.metric == CREATED:
            hourly[(day, local.hour, f.unit)] += 1
        else:
            daily[(f.metric, day, f.unit, f.actor_id)] += 1
        if f.metric != FIRST_ASSIGNED:
            sector[(day, f.sector, f.unit, f.metric)] += 1
        if f.minutes is not None:
            kind = FIRST_ASSIGNMENT if f.metric == FIRST_ASSIGNED else RESOLUTION
            durations.append({"kind": kind, "unit_code": f.unit, "at": f.at, "minutes": f.minutes})
    dialect = session.get_bind().dialect.name
    _upsert(session, dialect, _DAILY, ("metric", "day", "unit_code", "actor_id"), daily)
    _upsert(session, dialect, _HOURLY, ("day", "hour", "unit_code"), hourly)
    _upsert(session, dialect, _SECTOR, ("day", "sector", "unit_code", "metric"), sector)
    if durations:
        session.execute(insert(_DURATION), durations)


def _upsert(session: Session, dialect: str, table: Table, keys: tuple[str, ...],
            counts: Counter[Any]) -> None:
    """Add ``counts`` to the counters, in key order (the lock order on PostgreSQL)."""
    if not counts:
        return
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(table)
    stmt = stmt.on_conflict_do_update(index_elements=list(keys), set_={"n": table.c.n + stmt.excluded.n})
    rows = [dict(zip(keys, key, strict=True), n=n) for key, n in sorted(counts.items())]
    session.execute(stmt, rows)


def rebuild_all(db: Database, zone_name: str | None = None) -> tuple[str, dict[str, int]]:
    """``iticket db rebuild-stats``: rebuild in ``zone_name`` (default: the configured zone) in
    one transaction; returns the zone and the rows each rollup table now holds."""
    name = (zone_name or "").strip() or configured_zone_name()
    try:
        if name is None:
            raise ValueError
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        shown = zone_name or get_settings().timezone
        raise ValidationError(_("Unknown time zone '{tz}'.").format(tz=shown)) from None
    with db.write() as session:
        rebuild(session, name)
        rows = {t.name: int(session.execute(select(func.count()).select_from(t)).scalar() or 0)
                for t in (_DAILY, _HOURLY, _SECTOR, _DURATION)}
    return name, rows


def rebuild(session: Session, zone_name: str) -> None:
    """Recompute every rollup from the activity log, cut in ``zone_name`` (an IANA name), in
    the caller's transaction. Takes the ``StatRollup`` row first, so writers wait for it."""
    zone = ZoneInfo(zone_name)  # a bad name fails here, before anything is deleted
    dialect = session.get_bind().dialect.name
    meta = session.execute(select(StatRollup).with_for_update()).scalar()  # type: ignore[call-overload]
    if meta is None:
        session.add(StatRollup(id=1, timezone=zone_name, built_at=utcnow()))
    else:
        meta.timezone, meta.built_at = zone_name, utcnow()
    session.flush()
    for table in (_DAILY, _HOURLY, _SECTOR, _DURATION):
        session.execute(delete(table))
    first, last = session.execute(select(func.min(_A.at), func.max(_A.at))).one()
    if first is None:
        return
    segments = stats_sql.offset_segments(zone, first, last + timedelta(days=1))
    day = stats_sql.local_day(dialect, _A.at, segments)
    hour = stats_sql.local_hour(dialect, _A.at, segments)
    unit = func.coalesce(_A.unit_code, "")
    actor = func.coalesce(_A.actor_id, 0)
    closed = and_(_A.kind == ActivityKind.STATUS_CHANGED.value, _A.after.in_(CLOSED))
    created = _A.kind == ActivityKind.TICKET_CREATED.value
    first_assigned = and_(_A.kind == ActivityKind.ASSIGNED.value, _T.first_assigned_at == _A.at)
    joined = Activity.__table__.join(Ticket.__table__, _T.id == _A.ticket_id)  # type: ignore[attr-defined]
    minutes = stats_sql.minutes_between(dialect, _T.created_at, _A.at)

    def into(table: Table, columns: list[str], query: Any) -> None:
        session.execute(table.insert().from_select(columns, query))

    into(_DAILY, ["metric", "day", "unit_code", "actor_id", "n"],
         select(_A.after, day, unit, actor, func.count()).where(closed).group_by(_A.after, day, unit, actor))
    into(_DAILY, ["metric", "day", "unit_code", "actor_id", "n"],
         select(literal(FIRST_ASSIGNED), day, unit, actor, func.count()).select_from(joined)
         .where(first_assigned).group_by(day, unit, actor))
    into(_HOURLY, ["day", "hour", "unit_code", "n"],
         select(day, hour, unit, func.count()).where(created).group_by(day, hour, unit))
    into(_SECTOR, ["day", "sector", "unit_code", "metric", "n"],
         select(day, _T.requester_sector, unit, _A.after, func.count()).select_from(joined)
         .where(closed).group_by(day, _T.requester_sector, unit, _A.after))
    into(_SECTOR, ["day", "sector", "unit_code", "metric", "n"],
         select(day, _T.requester_sector, unit, literal(CREATED), func.count()).select_from(joined)
         .where(created).group_by(day, _T.requester_sector, unit))
    into(_DURATION, ["kind", "unit_code", "at", "minutes"],
         select(literal(RESOLUTION), unit, _A.at, minutes).select_from(joined)
         .where(_A.kind == ActivityKind.STATUS_CHANGED.value, _A.after == Status.RESOLVED.value))
    into(_DURATION, ["kind", "unit_code", "at", "minutes"],
         select(literal(FIRST_ASSIGNMENT), unit, _A.at, minutes).select_from(joined).where(first_assigned))


class RollupQueries(LogQueries):
    """The report's queries answered from the rollups (same methods and rows as
    :class:`LogQueries`); only valid when the rollups are built in the report's zone. The
    backlog is the current state, so it is inherited and read from the tickets."""

    def __init__(self, session: Session, dialect: str, date_from: date | None, date_to: date | None,
                 start: datetime | None, end: datetime | None, unit: str | None) -> None:
        self.s, self.dialect, self.unit = session, dialect, unit
        self.first_day = date_from.isoformat() if date_from else None
        self.last_day = date_to.isoformat() if date_to else None
        self.start, self.end = start, end

    def _days(self, table: Table) -> list[Any]:
        where = []
        if self.first_day is not None:
            where.append(table.c.day >= self.first_day)
        if self.last_day is not None:
            where.append(table.c.day <= self.last_day)
        if self.unit is not None:
            where.append(table.c.unit_code == self.unit)
        return where

    def closes(self) -> tuple[ActorCloses, DayCloses]:
        c = _DAILY.c
        where = [c.metric.in_(CLOSED), *self._days(_DAILY)]
        by_actor = self.s.execute(select(c.unit_code, c.actor_id, c.metric, func.sum(c.n)).where(*where)
                                  .group_by(c.unit_code, c.actor_id, c.metric))
        by_day = self.s.execute(select(c.day, c.metric, func.sum(c.n)).where(*where).group_by(c.day, c.metric))
        return ({(u, a, st): int(n) for u, a, st, n in by_actor},
                {(d, st): int(n) for d, st, n in by_day})

    def created(self) -> list[tuple[str, int, str, int]]:
        c = _HOURLY.c
        return [tuple(r) for r in self.s.execute(  # type: ignore[misc]
            select(c.day, c.hour, c.unit_code, c.n).where(*self._days(_HOURLY)))]

    def percentiles_first_assignment(self) -> dict[str, tuple[float, float]]:
        return self._ranked(FIRST_ASSIGNMENT, FIRST_ASSIGNED)

    def percentiles_resolution(self) -> dict[str, tuple[float, float]]:
        return self._ranked(RESOLUTION, Status.RESOLVED.value)

    def _ranked(self, kind: str, metric: str) -> dict[str, tuple[float, float]]:
        """Median and nearest-rank p90 per unit: the count comes from ``stat_daily``, then each
        rank is one walk of ``ix_stat_duration_rank`` in duration order (no sort)."""
        c = _DAILY.c
        counts = self.s.execute(select(c.unit_code, func.sum(c.n)).where(c.metric == metric, *self._days(_DAILY))
                                .group_by(c.unit_code))
        out: dict[str, tuple[float, float]] = {}
        for unit, n in counts:
            if not n:
                continue
            d = _DURATION.c
            where = [d.kind == kind, d.unit_code == unit]
            if self.start is not None:
                where.append(d.at >= self.start)
            if self.end is not None:
                where.append(d.at < self.end)
            lo, hi, p90 = (n + 1) // 2, (n + 2) // 2, (n * 9 + 9) // 10
            middle = self._at_ranks(where, lo, hi, n)
            top = self._at_ranks(where, p90, p90, n)
            if middle and top:
                out[unit] = (round(sum(middle) / len(middle), 1), round(float(top[0]), 1))
        return out

    def _at_ranks(self, where: list[Any], first: int, last: int, n: int) -> list[float]:
        """The durations of 1-based ranks ``first..last`` of ``n``, walking the index from the
        nearer end (the p90 is reached from the top in a tenth of the steps)."""
        d = _DURATION.c
        if first - 1 <= n - last:
            q = select(d.minutes).where(*where).order_by(d.minutes).offset(first - 1)
        else:
            q = select(d.minutes).where(*where).order_by(d.minutes.desc()).offset(n - last)
        return sorted(float(m) for m in self.s.execute(q.limit(last - first + 1)).scalars())

    def by_sector(self) -> list[SectorStats]:
        c = _SECTOR.c
        counts: dict[str, dict[str, int]] = {}
        q = select(c.sector, c.metric, func.sum(c.n)).where(*self._days(_SECTOR)).group_by(c.sector, c.metric)
        for sector, metric, n in self.s.execute(q):
            counts.setdefault(sector, {})[metric] = int(n)
        return sector_rows(counts)
