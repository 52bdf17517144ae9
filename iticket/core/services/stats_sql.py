"""The dialect-specific SQL of the statistics, in one place: local-calendar buckets and
durations in minutes, each with a SQLite and a PostgreSQL variant.

Local time without the database's help: the hospital's zone may observe daylight saving, and
SQLite knows nothing of zones. So Python computes the zone's UTC offsets over the queried span as
a handful of constant-offset segments (:func:`offset_segments`; a year has at most three), and
the SQL shifts each UTC instant by its segment's offset with a small ``CASE`` before taking the
date or the hour. That is exact at every transition instant and identical on both engines; the
same ``CASE`` shape is used for both, only the "shift and format" step differs:

- SQLite: ``strftime('%Y-%m-%d', at, '<offset> seconds')`` (``at`` is stored as naive UTC text).
- PostgreSQL: ``to_char(timezone('UTC', at) + <interval>, 'YYYY-MM-DD')`` (``timestamptz``).

Durations: SQLite ``(julianday(b) - julianday(a)) * 1440``; PostgreSQL
``extract(epoch from b - a) / 60``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import Float, Integer, String, case, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

_DAY = timedelta(days=1)
_SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class Segment:
    """From ``start`` (UTC; ``None`` = since ever) the zone is ``offset_seconds`` ahead of UTC."""

    start: datetime | None
    offset_seconds: int


def utc_offset(zone: tzinfo, instant: datetime) -> int:
    delta = instant.astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def offset_segments(zone: tzinfo, start: datetime, end: datetime) -> list[Segment]:
    """The zone's offsets over ``[start, end)`` as constant segments, found by stepping one day
    at a time and bisecting to the second where the offset changes (zones change on whole
    seconds). Outside the span the first/last offset is extended, which is harmless because the
    queries filter on the span."""
    current = utc_offset(zone, start)
    segments = [Segment(None, current)]
    t = start
    while t < end:
        step_end = min(t + _DAY, end)
        offset = utc_offset(zone, step_end)
        if offset != current:
            lo, hi = t, step_end
            while hi - lo > _SECOND:
                mid = lo + (hi - lo) / 2
                if utc_offset(zone, mid) == current:
                    lo = mid
                else:
                    hi = mid
            change = lo.replace(microsecond=0) + _SECOND
            segments.append(Segment(change.astimezone(UTC), offset))
            current = offset
        t = step_end
    return segments


def _per_segment(at: Any, segments: list[Segment], value: Any) -> Any:
    """``CASE WHEN at < s1 THEN v0 WHEN at < s2 THEN v1 … ELSE vn END`` (or just ``v0``)."""
    values = [value(s.offset_seconds) for s in segments]
    if len(segments) == 1:
        return values[0]
    whens = [(at < seg.start, values[i]) for i, seg in enumerate(segments[1:])]
    return case(*whens, else_=values[-1])


def _shifted_pg(at: Any, segments: list[Segment]) -> Any:
    interval = _per_segment(at, segments, lambda s: literal(timedelta(seconds=s)))
    return func.timezone("UTC", at) + interval


def _modifier_sqlite(at: Any, segments: list[Segment]) -> Any:
    return _per_segment(at, segments, lambda s: literal(f"{s:+d} seconds", String))


def local_day(dialect: str, at: Any, segments: list[Segment]) -> ColumnElement[str]:
    """The local calendar date of ``at`` as ``'YYYY-MM-DD'`` text."""
    if dialect == "postgresql":
        return func.to_char(_shifted_pg(at, segments), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", at, _modifier_sqlite(at, segments))


def local_hour(dialect: str, at: Any, segments: list[Segment]) -> ColumnElement[int]:
    """The local hour of the day (0–23) of ``at``."""
    if dialect == "postgresql":
        return cast(func.extract("hour", _shifted_pg(at, segments)), Integer)
    return cast(func.strftime("%H", at, _modifier_sqlite(at, segments)), Integer)


def minutes_between(dialect: str, earlier: Any, later: Any) -> ColumnElement[float]:
    """``later - earlier`` in minutes, as a float."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float) / 60.0
    return (func.julianday(later) - func.julianday(earlier)) * 1440.0
