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
  data), zero-filled; a range over ten years is trimmed to the days between the first and the
  last with data. ``by_hour``: tickets created per local hour of day, all 24 hours.
- ``by_sector``: tickets created, resolved and rejected per requester sector.

Where the numbers are read: from the rollups (:mod:`stats_rollup`: counters per local day kept
in the writing transaction, and a duration index walked up to each rank) when they are built in
the report's zone, which makes a one-year report at a million tickets read a few thousand rows;
otherwise from the raw log (:mod:`stats_log`, ``GROUP BY`` over ``ix_activity_kind_at``), which
is exact in any zone and is the oracle the rollups are tested against. Python only merges the
small grouped results. The shapes are in :mod:`iticket.core.services.stats_schemas`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlmodel import Session, col

from iticket.core.config import get_settings
from iticket.core.db import Database
from iticket.core.errors import ValidationError
from iticket.core.i18n import _
from iticket.core.models import Actor, Status, Unit, User
from iticket.core.policy import require_stats
from iticket.core.services import stats_rollup
from iticket.core.services._common import unit_code
from iticket.core.services.stats_log import CLOSED, LogQueries
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
from iticket.core.timeutil import local_zone

__all__ = [
    "DayStats", "HourStats", "SectorStats", "StatsReport", "Totals", "UnitStats", "UserStats",
    "check_unit", "compute_stats", "resolve_zone", "stats_json", "utc_range",
]



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

    def midnight(d: date) -> datetime | None:
        """``None`` (an open end) where the calendar runs out: nothing was logged before year 1
        or after year 9999, so ``--to 9999-12-31`` simply means "until now"."""
        try:
            return datetime(d.year, d.month, d.day, tzinfo=zone).astimezone(UTC)
        except OverflowError:
            return None

    start = midnight(date_from) if date_from else None
    end = None
    if date_to and date_to < date.max:
        end = midnight(date_to + timedelta(days=1))
    return start, end


def compute_stats(
    db: Database,
    *,
    actor: Actor,
    date_from: date | None = None,
    date_to: date | None = None,
    unit: str | None = None,
    timezone: str | None = None,
    from_log: bool = False,
) -> StatsReport:
    """The whole report for one range (see the module docstring for what each number means).

    Answered from the rollups when they are built in the report's zone, else from the raw log;
    ``from_log=True`` forces the raw log (the oracle the rollups are checked against)."""
    require_stats(actor)
    zone, zone_name = resolve_zone(timezone)
    start, end = utc_range(date_from, date_to, zone)
    with db.read() as session:
        code = check_unit(session, unit)
        q: LogQueries
        if not from_log and stats_rollup.built_zone(session) == zone_name:
            q = stats_rollup.RollupQueries(session, db.dialect, date_from, date_to, start, end, code)
        else:
            q = LogQueries(session, db.dialect, start, end, code, zone)
        closes, closes_by_day = q.closes()
        created_rows = q.created()  # (local day, local hour, unit, n): one scan for units/days/hours
        created: dict[str, int] = defaultdict(int)
        for _d, _h, u, n in created_rows:
            created[u] += n
        backlog = q.backlog()
        first = q.percentiles_first_assignment()
        resolution = q.percentiles_resolution()
        units = [u for u in session.execute(select(Unit.code).order_by(col(Unit.position), col(Unit.code))).scalars()]
        names = _users(session, {a for (_u, a, _s) in closes})
        by_sector = q.by_sector()
    by_day = _by_day(date_from, date_to, closes_by_day, created_rows)
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
        users.setdefault((cu, a), {s: 0 for s in CLOSED})[s] += n
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
    """The unit's code (by code or display name); ``None`` for every unit ("all" or empty)."""
    if (unit or "").strip().lower() in ("", "all"):
        return None
    return unit_code(session, unit or "")


def _users(session: Session, ids: set[int | None]) -> dict[int, tuple[str, str]]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username, User.full_name).where(col(User.id).in_(wanted)))
    return {uid: (name, full) for uid, name, full in rows}


_MAX_FILLED_DAYS = 3653  # ten years of zero-filled days


def _by_day(date_from: date | None, date_to: date | None,
            closes_by_day: dict[tuple[str, str], int],
            created_rows: list[tuple[str, int, str, int]]) -> list[DayStats]:
    """Merge the two grouped scans into one zero-filled row per local day."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for d, _h, _u, n in created_rows:
        counts[d]["created"] += n
    for (d, status), n in closes_by_day.items():
        counts[d][status] += n
    if not counts and (date_from is None or date_to is None):
        return []
    first = date_from or date.fromisoformat(min(counts))
    last = date_to or max(date.fromisoformat(max(counts)), first)
    if (last - first).days >= _MAX_FILLED_DAYS:
        # "From year 1 to 9999" must not build 3.6 million empty rows: beyond ten years the
        # series runs from the first to the last day that has data.
        if not counts:
            return []
        first = max(first, date.fromisoformat(min(counts)))
        last = min(last, date.fromisoformat(max(counts)))
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
