"""``iticket export tickets``: one row per ticket as CSV (spreadsheets) or JSON (scripts).

Streams: rows are written as the database yields them, so memory stays flat at a million
tickets. With ``--output FILE`` the data goes to a temporary file beside FILE that replaces it
only when the export finished: an error (or Ctrl-C) never leaves a half-written FILE behind
(devices and FIFOs are written in place; see ``_target``).
The CSV dialect (UTF-8 with BOM, ``;``) is explained in ``iticket.core.services.export``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO

import typer

from iticket.cli.common import actor_of, ctx_of, format_choice, json_option, parse_date
from iticket.cli.output import err, handled, stdout_text
from iticket.core.errors import ValidationError
from iticket.core.i18n import _
from iticket.core.services import export as svc
from iticket.core.services.stats import resolve_zone

export_app = typer.Typer(help=_("Export data for spreadsheets and scripts (admins)."), no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")


class Format(StrEnum):
    CSV = "csv"
    JSON = "json"


@contextlib.contextmanager
def _target(output: str, *, encoding: str) -> Iterator[IO[str]]:
    """Standard output; a device, a pipe or a FIFO written as it is; or a regular file replaced
    atomically.

    A regular file is written to a temporary file beside it that replaces it only once the export
    has finished, so an error or Ctrl-C never leaves half a file. Renaming over anything else
    would destroy it (``-o /dev/null`` replaced /dev/null with a file), so those are opened and
    written in place. A symbolic link is followed: the file it points to is replaced, the link
    stays. The replacement keeps the old file's permissions; a new file gets the usual ones
    (0666 less the umask), as the shell's ``>`` would give it."""
    if output == "-":
        with stdout_text(encoding) as stream:
            yield stream
        return
    path = Path(output).expanduser()
    try:
        info: os.stat_result | None = path.stat()
    except FileNotFoundError:
        info = None
    except NotADirectoryError:
        raise ValidationError(_("The folder of '{path}' does not exist.").format(path=output)) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise ValidationError(_("'{path}' is a directory.").format(path=output))
    if info is not None and not stat.S_ISREG(info.st_mode):
        with open(path, "w", encoding=encoding, newline="") as stream:
            yield stream
        return
    final = Path(os.path.realpath(path))  # through symbolic links, dangling ones included
    if not final.parent.is_dir():
        raise ValidationError(_("The folder of '{path}' does not exist.").format(path=output))
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
    try:
        if info is not None:
            os.fchmod(fd, stat.S_IMODE(info.st_mode))
            if os.geteuid() == 0:  # root replacing someone's file: it stays theirs
                os.fchown(fd, info.st_uid, info.st_gid)
        else:
            os.fchmod(fd, 0o666 & ~_umask())
        with open(fd, "w", encoding=encoding, newline="") as stream:
            yield stream
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@export_app.command("tickets", help=_("One row per ticket: requester, sector, unit, assignee, status, times."))
def tickets(
    ctx: typer.Context,
    date_from: str | None = typer.Option(None, "--from", help=_("Created on or after this day (YYYY-MM-DD, local).")),
    date_to: str | None = typer.Option(None, "--to", help=_("Created on or before this day (YYYY-MM-DD, local).")),
    unit: str | None = typer.Option(None, "--unit", help=_("Only tickets now in this unit.")),
    fmt: str | None = typer.Option(None, "--format", help="csv | json  [default: csv]"),
    output: str = typer.Option("-", "--output", "-o", help=_("File to write, or '-' for standard output.")),
    timezone: str | None = typer.Option(None, "--timezone", envvar="ITICKET_TIMEZONE",
                                        help=_("IANA time zone of the dates and times (default: the system's).")),
    as_json: bool = json_option(),
) -> None:
    with handled(as_json or (fmt or "").strip().lower() == Format.JSON):
        kind = format_choice(Format, fmt, as_json=as_json, default=Format.CSV)
        zone, _name = resolve_zone(timezone)
        rows = svc.export_tickets(
            ctx_of(ctx).db, actor=actor_of(ctx),
            date_from=parse_date(date_from, what="--from"), date_to=parse_date(date_to, what="--to"),
            unit=unit, timezone=timezone,
        )
        if kind == Format.CSV:
            with _target(output, encoding="utf-8-sig") as stream:
                n = svc.write_csv(rows, stream, zone=zone)
        else:
            with _target(output, encoding="utf-8") as stream:
                n = svc.write_json(rows, stream, zone=zone)
        if output != "-":
            err.print(_("{n} tickets written to {path}.").format(n=n, path=output), markup=False)
