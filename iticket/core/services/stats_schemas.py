"""The frozen shapes the statistics service returns, and their JSON contract.

Stable public API (the CLI and the TUI's stats screen read these). Durations are minutes as
floats rounded to one decimal, ``None`` when there is nothing to measure. ``stats_json`` is the
``iticket stats --format json`` document: keys and values never depend on the language.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class UnitStats(_Frozen):
    unit: str
    resolved: int
    rejected: int
    created: int
    pending: int
    in_progress: int
    median_first_assignment_minutes: float | None
    p90_first_assignment_minutes: float | None
    median_resolution_minutes: float | None
    p90_resolution_minutes: float | None


class UserStats(_Frozen):
    """Closes by one user *in one unit* (an admin who closed tickets of two units has two rows)."""

    user: str
    full_name: str
    unit: str
    resolved: int
    rejected: int


class DayStats(_Frozen):
    day: date
    created: int
    resolved: int
    rejected: int


class SectorStats(_Frozen):
    sector: str
    created: int
    resolved: int
    rejected: int


class HourStats(_Frozen):
    hour: int  # local hour of day, 0-23
    created: int


class Totals(_Frozen):
    resolved: int
    rejected: int
    created: int
    pending: int
    in_progress: int


class StatsReport(_Frozen):
    date_from: date | None
    date_to: date | None
    timezone: str
    unit: str | None
    by_unit: list[UnitStats]
    by_user: list[UserStats]
    by_day: list[DayStats]
    by_sector: list[SectorStats]
    by_hour: list[HourStats]
    totals: Totals


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


def stats_json(r: StatsReport) -> dict[str, Any]:
    """The scripting contract: ``from``, ``to``, ``timezone``, ``by_unit``, ``by_user``,
    ``by_day``, ``totals`` as the issue specifies, plus ``unit``, ``by_sector``, ``by_hour`` and
    the p90 fields."""
    return {
        "from": _d(r.date_from),
        "to": _d(r.date_to),
        "timezone": r.timezone,
        "unit": r.unit,
        "by_unit": [u.model_dump() for u in r.by_unit],
        "by_user": [
            {"user": u.user, "full_name": u.full_name, "unit": u.unit, "resolved": u.resolved,
             "rejected": u.rejected}
            for u in r.by_user
        ],
        "by_day": [
            {"date": d.day.isoformat(), "created": d.created, "resolved": d.resolved,
             "rejected": d.rejected}
            for d in r.by_day
        ],
        "by_sector": [s.model_dump() for s in r.by_sector],
        "by_hour": [h.model_dump() for h in r.by_hour],
        "totals": r.totals.model_dump(),
    }
