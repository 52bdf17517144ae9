"""One row per ticket, streamed, for spreadsheets (CSV) and scripts (JSON).

Public API::

    export_tickets(db, *, actor, date_from=None, date_to=None, unit=None, timezone=None)
        -> Iterator[TicketExportRow]          # checks run before the first row is asked for
    write_csv(rows, stream, *, zone) -> int   # rows written
    write_json(rows, stream, *, zone) -> int

- Admins only (the same ``policy.require_stats`` as the statistics: it is the same data, one row
  per ticket). ``date_from``/``date_to`` are inclusive local dates on the ticket's *creation*;
  ``unit`` is the ticket's current unit.
- Constant memory at a million tickets: rows come from one query read ``yield_per`` rows at a
  time (a server-side cursor on PostgreSQL, SQLite's own stepping cursor), ordered by the
  ``(created_at, id)`` index so no sort is materialised, and each row is written as soon as it is
  read. Nothing is collected in Python.
- ``waiting_minutes``: creation → first assignment (empty if never assigned).
  ``resolution_minutes``: creation → the (last) closing, resolved or rejected (empty if open).
  Whole minutes, rounded down.

CSV dialect, chosen so a double-click opens it right with Spanish accents in Excel and in
LibreOffice:

- **UTF-8 with a BOM.** Excel decodes a CSV as the ANSI code page (Windows-1252) unless the file
  starts with a UTF-8 BOM, which turns "Pérez" into "PÃ©rez". LibreOffice's import dialog
  detects UTF-8 from the same BOM. Scripts reading with ``utf-8-sig`` ignore it.
- **``;`` as separator, CRLF line ends.** Excel splits on the regional list separator, which in
  Spanish locales is ``;`` (the comma is the decimal mark there); a comma-separated file lands
  in one column. LibreOffice offers ``;`` in its dialog. A ``sep=;`` first line would force it
  in Excel but makes Excel ignore the BOM (accents break again) and shows as a junk row in
  LibreOffice, so it is not used.
- **No decimal marks, unambiguous dates.** Minutes are integers and times are local
  ``YYYY-MM-DD HH:MM``, which both programs read as numbers and dates in any locale.
- **No formulas.** Requester text comes from WhatsApp; a cell starting with ``= + - @`` (or a tab
  or CR) would be run as a formula by the spreadsheet, so it gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date, datetime, tzinfo
from typing import IO

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import col

from iticket.core.db import Database
from iticket.core.models import Actor, Status, Ticket, User
from iticket.core.policy import require_stats
from iticket.core.services.stats import check_unit, resolve_zone, utc_range

BATCH = 2_000
COLUMNS = (
    "number", "requester_name", "requester_sector", "requester_extension", "requester_phone",
    "unit", "assignee", "status", "created_at", "first_assigned_at", "closed_at", "closed_by",
    "waiting_minutes", "resolution_minutes",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class TicketExportRow(BaseModel):
    """One ticket as exported. Times are aware UTC; the writers show them in the local zone."""

    model_config = ConfigDict(frozen=True)

    number: int
    requester_name: str
    requester_sector: str
    requester_extension: str
    requester_phone: str | None
    unit: str
    assignee: str | None
    status: Status
    created_at: datetime
    first_assigned_at: datetime | None
    closed_at: datetime | None
    closed_by: str | None
    waiting_minutes: int | None
    resolution_minutes: int | None


def _minutes(start: datetime, end: datetime | None) -> int | None:
    return None if end is None else int((end - start).total_seconds() // 60)


def export_tickets(
    db: Database,
    *,
    actor: Actor,
    date_from: date | None = None,
    date_to: date | None = None,
    unit: str | None = None,
    timezone: str | None = None,
    batch: int = BATCH,
) -> Iterator[TicketExportRow]:
    """Validate now (policy, range, unit), then stream rows lazily."""
    require_stats(actor)
    zone, _name = resolve_zone(timezone)
    start, end = utc_range(date_from, date_to, zone)
    with db.read() as session:
        code = check_unit(session, unit)
    return _rows(db, start, end, code, batch)


def _rows(db: Database, start: datetime | None, end: datetime | None, unit: str | None,
          batch: int) -> Iterator[TicketExportRow]:
    assignee, closer = aliased(User), aliased(User)
    t = Ticket
    q = (
        select(t.id, t.requester_name, t.requester_sector, t.requester_extension,
               t.requester_phone, t.unit_code, assignee.username, t.status, t.created_at,
               t.first_assigned_at, t.closed_at, closer.username)
        .outerjoin(assignee, assignee.id == t.assignee_id)  # type: ignore[arg-type]
        .outerjoin(closer, closer.id == t.closed_by_id)  # type: ignore[arg-type]
        .order_by(col(t.created_at), col(t.id))
    )
    if start is not None:
        q = q.where(col(t.created_at) >= start)
    if end is not None:
        q = q.where(col(t.created_at) < end)
    if unit is not None:
        q = q.where(t.unit_code == unit)
    with db.read() as session:
        result = session.execute(q.execution_options(yield_per=batch))
        for (number, name, sector, ext, phone, unit_code, assigned, status, created,
             first, closed, closed_by) in result:
            yield TicketExportRow.model_construct(
                number=number, requester_name=name, requester_sector=sector,
                requester_extension=ext, requester_phone=phone, unit=unit_code,
                assignee=assigned, status=Status(status), created_at=created,
                first_assigned_at=first, closed_at=closed, closed_by=closed_by,
                waiting_minutes=_minutes(created, first),
                resolution_minutes=_minutes(created, closed),
            )


def _safe(text: str | None) -> str:
    if not text:
        return ""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _local(dt: datetime | None, zone: tzinfo, fmt: str) -> str | None:
    return dt.astimezone(zone).strftime(fmt) if dt is not None else None


def write_csv(rows: Iterator[TicketExportRow], stream: IO[str], *, zone: tzinfo) -> int:
    """Write the header and the rows to a text stream opened with ``encoding='utf-8-sig'``
    and ``newline=''`` (see the module docstring for the dialect)."""
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    fmt = "%Y-%m-%d %H:%M"
    n = 0
    for r in rows:
        writer.writerow((
            r.number, _safe(r.requester_name), _safe(r.requester_sector),
            _safe(r.requester_extension), r.requester_phone or "", r.unit, r.assignee or "",
            r.status.value, _local(r.created_at, zone, fmt), _local(r.first_assigned_at, zone, fmt) or "",
            _local(r.closed_at, zone, fmt) or "", r.closed_by or "",
            "" if r.waiting_minutes is None else r.waiting_minutes,
            "" if r.resolution_minutes is None else r.resolution_minutes,
        ))
        n += 1
    return n


def _iso(dt: datetime | None, zone: tzinfo) -> str | None:
    return dt.astimezone(zone).isoformat() if dt is not None else None


def write_json(rows: Iterator[TicketExportRow], stream: IO[str], *, zone: tzinfo) -> int:
    """A JSON array written one object per line as rows arrive (never built in memory). Times
    are ISO 8601 in the local zone, with their offset."""
    stream.write("[")
    n = 0
    for r in rows:
        obj = {
            "number": r.number, "requester_name": r.requester_name,
            "requester_sector": r.requester_sector, "requester_extension": r.requester_extension,
            "requester_phone": r.requester_phone, "unit": r.unit, "assignee": r.assignee,
            "status": r.status.value, "created_at": _iso(r.created_at, zone),
            "first_assigned_at": _iso(r.first_assigned_at, zone),
            "closed_at": _iso(r.closed_at, zone), "closed_by": r.closed_by,
            "waiting_minutes": r.waiting_minutes, "resolution_minutes": r.resolution_minutes,
        }
        stream.write(("\n" if n == 0 else ",\n") + json.dumps(obj, ensure_ascii=False))
        n += 1
    stream.write("\n]\n" if n else "]\n")
    return n
