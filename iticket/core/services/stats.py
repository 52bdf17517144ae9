"""Statistics from the activity log: per unit, per user, per day, per sector, per hour.

Public API (stable; the TUI's stats screen and the CLI build on it)::

    compute_stats(db, *, actor, date_from=None, date_to=None, unit=None, timezone=None)
        -> StatsReport

- ``date_from``/``date_to``: inclusive calendar dates in the hospital's zone (``timezone`` is an
  IANA name; ``None`` = ``ITICKET_TIMEZONE``, else the system's). Either end may be open.
- ``unit``: a unit code to restrict every count to what happened in that unit.
- Admins only (``policy.require_stats``): anyone else gets ``PermissionDenied``.
- Raises ``ValidationError`` (from > to, unknown zone) and ``NotFound`` (unknown unit).

What is counted, and why from the activity log: numbers reported upwards must not change when a
ticket is later moved or reopened, so every count is an *event* in the append-only log, attributed
to the user who caused it and to the unit the ticket was in at that moment:

- ``resolved``/``rejected``: ``status_changed`` events into that status inside the range. A ticket
  resolved by unit A, reopened and then rejected by unit B counts one resolved for A and one
  rejected for B; a ticket resolved twice (resolved, reopened, resolved) counts twice.
- ``created``: ``ticket_created`` events; creation always happens in the intake unit (HelpDesk),
  so with ``unit='soporte'`` created is 0 by definition.
- ``pending``/``in_progress``: the backlog *now* (not range-bound), per current unit.
- first assignment: minutes from creation to the ticket's first assignment, for first
  assignments made inside the range, attributed to the unit of the assignee (the ``assigned``
  event logged at exactly ``ticket.first_assigned_at``, as ``tickets.assign`` writes them).
- resolution: minutes from creation to each ``resolved`` event inside the range, attributed like
  ``resolved``. Rejections are not resolutions and are left out of these durations.
- median: the middle value (mean of the two middle values for an even count); p90: the nearest
  rank, i.e. the value at position ``ceil(0.9 * n)`` of the sorted durations. Both in SQL.
- ``by_day``: every local day from ``date_from`` to ``date_to`` (open ends: the first/last day with
  data), zero-filled. ``by_hour``: tickets created per local hour of day, all 24 hours.
- ``by_sector``: tickets created, resolved and rejected per requester sector.

All aggregation is ``GROUP BY`` in SQL over ``ix_activity_kind_at`` (a range scan on
``(kind, at)`` that covers ``after, unit_code, actor_id``); Python only merges the small grouped
results. The shapes are in :mod:`iticket.core.services.stats_schemas`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlmodel import Session, col

from iticket.core.config import get_settings
from iticket.core.db import Database
from iticket.core.errors import NotFound, ValidationError
from iticket.core.i18n import _
from iticket.core.models import Activity, ActivityKind, Actor, Status, Ticket, Unit, User
from iticket.core.policy import require_stats
from iticket.core.services import stats_sql
from iticket.core.services.stats_schemas import (
    DayStats,
    HourStats,
    SectorStats,
    StatsReport,
    Totals,
    UnitStats,
    UserStats,
    stats_json,
)
from iticket.core.timeutil import local_zone, utcnow

__all__ = [
    "DayStats", "HourStats", "SectorStats", "StatsReport", "Totals", "UnitStats", "UserStats",
    "check_unit", "compute_stats", "resolve_zone", "stats_json", "utc_range",
]

_CLOSED = (Status.RESOLVED.value, Status.REJECTED.value)
_A = Activity.__table__.c  # type: ignore[attr-defined]
_T = Ticket.__table__.c  # type: ignore[attr-defined]


def resolve_zone(name: str | None) -> tuple[tzinfo, str]:
    """The zone to use and how to name it in reports (``ITICKET_TIMEZONE`` when ``None``)."""
    name = (name or get_settings().timezone or "").strip() or None
    try:
        zone = local_zone(name)
    except (KeyError, ValueError, OSError):
        raise ValidationError(_("Unknown time zone '{tz}'.").format(tz=name)) from None
    label = name or getattr(zone, "key", None) or datetime.now(zone).tzname() or "UTC"
    return zone, label


def utc_range(
    date_from: date | None, date_to: date | None, zone: tzinfo
) -> tuple[datetime | None, datetime | None]:
    """Inclusive local dates → the half-open UTC interval ``[start, end)`` the SQL filters on."""
    if date_from and date_to and date_from > date_to:
        raise ValidationError(
            _("The start date {a} is after the end date {b}.").format(a=date_from, b=date_to)
        )

    def midnight(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(UTC)

    start = midnight(date_from) if date_from else None
    end = midnight(date_to + timedelta(days=1)) if date_to else None
    return start, end


def compute_stats(
    db: Database,
    *,
    actor: Actor,
    date_from: date | None = None,
    date_to: date | None = None,
    unit: str | None = None,
    timezone: str | None = None,
) -> StatsReport:
    """The whole report for one range (see the module docstring for what each number means)."""
    require_stats(actor)
    zone, zone_name = resolve_zone(timezone)
    start, end = utc_range(date_from, date_to, zone)
    with db.read() as session:
        code = check_unit(session, unit)
        q = _Queries(session, db.dialect, start, end, code, zone)
        close_rows = q.closes()  # (local day, unit, actor, status, n): one scan for users and days
        created_rows = q.created()  # (local day, local hour, unit, n): one scan for units/days/hours
        closes: dict[tuple[str, int | None, str], int] = defaultdict(int)
        for _d, u, a, st, n in close_rows:
            closes[(u, a, st)] += n
        created: dict[str, int] = defaultdict(int)
        for _d, _h, u, n in created_rows:
            created[u] += n
        backlog = q.backlog()
        first = q.percentiles_first_assignment()
        resolution = q.percentiles_resolution()
        units = [u for u in session.execute(select(Unit.code).order_by(col(Unit.position), col(Unit.code))).scalars()]
        names = _users(session, {a for (_u, a, _s) in closes})
        by_sector = q.by_sector()
    by_day = _by_day(date_from, date_to, close_rows, created_rows)
    by_hour = _by_hour(created_rows)

    by_unit = []
    for u in [code] if code else units:
        res = sum(n for (cu, _a, s), n in closes.items() if cu == u and s == Status.RESOLVED)
        rej = sum(n for (cu, _a, s), n in closes.items() if cu == u and s == Status.REJECTED)
        f, r = first.get(u, (None, None)), resolution.get(u, (None, None))
        by_unit.append(UnitStats(
            unit=u, resolved=res, rejected=rej, created=created.get(u, 0),
            pending=backlog.get((u, Status.PENDING.value), 0),
            in_progress=backlog.get((u, Status.IN_PROGRESS.value), 0),
            median_first_assignment_minutes=f[0], p90_first_assignment_minutes=f[1],
            median_resolution_minutes=r[0], p90_resolution_minutes=r[1],
        ))
    users: dict[tuple[str, int | None], dict[str, int]] = {}
    for (cu, a, s), n in closes.items():
        users.setdefault((cu, a), {s: 0 for s in _CLOSED})[s] += n
    order = {u: i for i, u in enumerate(units)}
    by_user = sorted(
        (UserStats(user=names.get(a or -1, ("?", "?"))[0], full_name=names.get(a or -1, ("?", "?"))[1],
                   unit=cu, resolved=c[Status.RESOLVED.value], rejected=c[Status.REJECTED.value])
         for (cu, a), c in users.items()),
        key=lambda s: (order.get(s.unit, len(order)), s.unit, -s.resolved - s.rejected, s.user),
    )
    totals = Totals(  # with a unit filter every grouped row is already that unit's
        resolved=sum(n for (_u, _a, st), n in closes.items() if st == Status.RESOLVED),
        rejected=sum(n for (_u, _a, st), n in closes.items() if st == Status.REJECTED),
        created=sum(created.values()),
        pending=sum(n for (_u, st), n in backlog.items() if st == Status.PENDING),
        in_progress=sum(n for (_u, st), n in backlog.items() if st == Status.IN_PROGRESS),
    )
    return StatsReport(
        date_from=date_from, date_to=date_to, timezone=zone_name, unit=code,
        by_unit=by_unit, by_user=by_user, by_day=by_day, by_sector=by_sector, by_hour=by_hour,
        totals=totals,
    )


def check_unit(session: Session, unit: str | None) -> str | None:
    code = (unit or "").strip().lower()
    if code in ("", "all"):
        return None
    if session.get(Unit, code) is None:
        raise NotFound(_("Unit '{code}' does not exist.").format(code=unit))
    return code


def _users(session: Session, ids: set[int | None]) -> dict[int, tuple[str, str]]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username, User.full_name).where(col(User.id).in_(wanted)))
    return {uid: (name, full) for uid, name, full in rows}


class _Queries:
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

    def _closed(self, statuses: tuple[str, ...] = _CLOSED) -> list[Any]:
        return self._where(_A.kind == ActivityKind.STATUS_CHANGED.value, _A.after.in_(statuses))

    def _created(self) -> list[Any]:
        return self._where(_A.kind == ActivityKind.TICKET_CREATED.value)

    def closes(self) -> list[tuple[str, str, int | None, str, int]]:
        day = stats_sql.local_day(self.dialect, _A.at, self.segments).label("day")
        q = (select(day, _A.unit_code, _A.actor_id, _A.after, func.count()).where(*self._closed())
             .group_by(literal_column("day"), _A.unit_code, _A.actor_id, _A.after))
        return [tuple(r) for r in self.s.execute(q)]  # type: ignore[misc]

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
        rows = [SectorStats(sector=s, created=c.get("created", 0),
                            resolved=c.get(Status.RESOLVED.value, 0),
                            rejected=c.get(Status.REJECTED.value, 0)) for s, c in counts.items()]
        return sorted(rows, key=lambda r: (-r.created, -r.resolved - r.rejected, r.sector))


def _by_day(date_from: date | None, date_to: date | None,
            close_rows: list[tuple[str, str, int | None, str, int]],
            created_rows: list[tuple[str, int, str, int]]) -> list[DayStats]:
    """Merge the two grouped scans into one zero-filled row per local day."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for d, _h, _u, n in created_rows:
        counts[d]["created"] += n
    for d, _u, _a, status, n in close_rows:
        counts[d][status] += n
    if not counts and (date_from is None or date_to is None):
        return []
    first = date_from or date.fromisoformat(min(counts))
    last = date_to or max(date.fromisoformat(max(counts)), first)
    days: list[DayStats] = []
    d = first
    while d <= last:
        c = counts.get(d.isoformat(), {})
        days.append(DayStats(day=d, created=c.get("created", 0),
                             resolved=c.get(Status.RESOLVED.value, 0),
                             rejected=c.get(Status.REJECTED.value, 0)))
        d += timedelta(days=1)
    return days


def _by_hour(created_rows: list[tuple[str, int, str, int]]) -> list[HourStats]:
    counts: dict[int, int] = defaultdict(int)
    for _d, h, _u, n in created_rows:
        counts[h] += n
    return [HourStats(hour=h, created=counts.get(h, 0)) for h in range(24)]
