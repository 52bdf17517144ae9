"""``iticket export tickets``: one row per ticket as CSV (spreadsheets) or JSON (scripts).

Streams: rows are written as the database yields them, so memory stays flat at a million
tickets. With ``--output FILE`` the data goes to a temporary file beside FILE that replaces it
only when the export finished: an error (or Ctrl-C) never leaves a half-written FILE behind.
The CSV dialect (UTF-8 with BOM, ``;``) is explained in ``iticket.core.services.export``.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import typer

from iticket.cli.common import actor_of, ctx_of, parse_date
from iticket.cli.output import err, handled
from iticket.core.errors import ValidationError
from iticket.core.i18n import _
from iticket.core.services import export as svc
from iticket.core.services.stats import resolve_zone

export_app = typer.Typer(help=_("Export data for spreadsheets and scripts (admins)."), no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")


@contextlib.contextmanager
def _target(output: str, *, encoding: str) -> Iterator[IO[str]]:
    """Standard output, or an atomically replaced file."""
    if output == "-":
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="")
        try:
            yield stream
        finally:
            stream.flush()
            stream.detach()
        return
    path = Path(output).expanduser()
    if path.is_dir():
        raise ValidationError(_("'{path}' is a directory.").format(path=output))
    if not path.parent.is_dir():
        raise ValidationError(_("The folder of '{path}' does not exist.").format(path=output))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with open(fd, "w", encoding=encoding, newline="") as stream:
            yield stream
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@export_app.command("tickets", help=_("One row per ticket: requester, sector, unit, assignee, status, times."))
def tickets(
    ctx: typer.Context,
    date_from: str | None = typer.Option(None, "--from", help=_("Created on or after this day (YYYY-MM-DD, local).")),
    date_to: str | None = typer.Option(None, "--to", help=_("Created on or before this day (YYYY-MM-DD, local).")),
    unit: str | None = typer.Option(None, "--unit", help=_("Only tickets now in this unit.")),
    fmt: str = typer.Option("csv", "--format", help="csv | json"),
    output: str = typer.Option("-", "--output", "-o", help=_("File to write, or '-' for standard output.")),
    timezone: str | None = typer.Option(None, "--timezone", envvar="ITICKET_TIMEZONE",
                                        help=_("IANA time zone of the dates and times (default: the system's).")),
) -> None:
    kind = fmt.strip().lower()
    with handled(kind == "json"):
        if kind not in ("csv", "json"):
            raise ValidationError(_("Invalid value for --format: '{value}' (use csv, json).").format(value=fmt))
        zone, _name = resolve_zone(timezone)
        rows = svc.export_tickets(
            ctx_of(ctx).db, actor=actor_of(ctx),
            date_from=parse_date(date_from, what="--from"), date_to=parse_date(date_to, what="--to"),
            unit=unit, timezone=timezone,
        )
        if kind == "csv":
            with _target(output, encoding="utf-8-sig") as stream:
                n = svc.write_csv(rows, stream, zone=zone)
        else:
            with _target(output, encoding="utf-8") as stream:
                n = svc.write_json(rows, stream, zone=zone)
        if output != "-":
            err.print(_("{n} tickets written to {path}.").format(n=n, path=output), markup=False)
