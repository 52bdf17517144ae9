"""``iticket stats``: resolved/rejected/created per unit, user, day or sector (admins only).

Formats: ``table`` (rich tables on stdout), ``json`` (the whole report as one document, see
``iticket.core.services.stats_schemas.stats_json``), ``csv`` (the ``--by`` table, in the same
spreadsheet dialect as ``iticket export``), and ``--plot`` (plotext bar charts; plotext is
imported only then). Numbers come from ``core.services.stats.compute_stats``; this module only
renders them.
"""

from __future__ import annotations

import math
import sys
from enum import StrEnum
from typing import Any

import typer
from rich.table import Table

from iticket.cli.common import actor_of, choice, ctx_of, format_choice, json_option, parse_date
from iticket.cli.output import handled, out, print_json, stdout_text
from iticket.core.chart import count_ticks
from iticket.core.errors import ValidationError
from iticket.core.i18n import _
from iticket.core.services.stats import StatsReport, compute_stats, stats_json


class By(StrEnum):
    UNIT = "unit"
    USER = "user"
    DAY = "day"
    SECTOR = "sector"
    HOUR = "hour"


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def register(app: typer.Typer) -> None:
    app.command("stats", help=_("Resolved and rejected tickets per unit and per user (admins)."))(stats)


def stats(
    ctx: typer.Context,
    date_from: str | None = typer.Option(None, "--from", help=_("First day (YYYY-MM-DD, local), inclusive.")),
    date_to: str | None = typer.Option(None, "--to", help=_("Last day (YYYY-MM-DD, local), inclusive.")),
    unit: str | None = typer.Option(None, "--unit", help=_("Only this unit.")),
    by: str | None = typer.Option(None, "--by", help="unit | user | day | sector | hour"),
    fmt: str | None = typer.Option(None, "--format", help="table | json | csv  [default: table]"),
    plot: bool = typer.Option(False, "--plot", help=_("Bar charts in the terminal.")),
    timezone: str | None = typer.Option(None, "--timezone", envvar="ITICKET_TIMEZONE",
                                        help=_("IANA time zone of the dates (default: the system's).")),
    as_json: bool = json_option(),
) -> None:
    with handled(as_json or (fmt or "").strip().lower() == Format.JSON):
        kind = format_choice(Format, fmt, as_json=as_json, default=Format.TABLE)
        group = choice(By, by, "--by") if by else None
        if plot and kind != Format.TABLE:
            raise ValidationError(_("--plot draws charts and cannot be combined with --format {fmt}.")
                                  .format(fmt=kind.value))
        report = compute_stats(
            ctx_of(ctx).db, actor=actor_of(ctx),
            date_from=parse_date(date_from, what="--from"), date_to=parse_date(date_to, what="--to"),
            unit=unit, timezone=timezone,
        )
        if kind == Format.JSON:
            print_json(stats_json(report))
        elif kind == Format.CSV:
            _csv(report, group or By.UNIT)
        elif plot:
            _plot(report, group or By.UNIT)
        else:
            _tables(report, group)


def _minutes(value: float | None) -> int | None:
    """Whole minutes, rounded down, as ``iticket export`` writes them (a median of an even
    count can fall on a half minute)."""
    return None if value is None else math.floor(value)


def _rows(report: StatsReport, by: By) -> tuple[list[str], list[str], list[list[Any]]]:
    """Keys (the JSON names, the CSV header in every language), headings (translated, for the
    tables and charts) and rows of one dimension."""
    if by == By.UNIT:
        keys = ["unit", "resolved", "rejected", "created", "pending", "in_progress",
                "median_first_assignment_minutes", "p90_first_assignment_minutes",
                "median_resolution_minutes", "p90_resolution_minutes"]
        head = [_("Unit"), _("Resolved"), _("Rejected"), _("Created"), _("Pending"), _("In progress"),
                _("Assign p50 (min)"), _("Assign p90 (min)"),
                _("Resolve p50 (min)"), _("Resolve p90 (min)")]
        return keys, head, [[u.unit, u.resolved, u.rejected, u.created, u.pending, u.in_progress,
                             _minutes(u.median_first_assignment_minutes), _minutes(u.p90_first_assignment_minutes),
                             _minutes(u.median_resolution_minutes), _minutes(u.p90_resolution_minutes)]
                            for u in report.by_unit]
    if by == By.USER:
        return (["user", "full_name", "unit", "resolved", "rejected"],
                [_("User"), _("Name"), _("Unit"), _("Resolved"), _("Rejected")],
                [[u.user, u.full_name, u.unit, u.resolved, u.rejected] for u in report.by_user])
    if by == By.DAY:
        return (["date", "created", "resolved", "rejected"],
                [_("Date"), _("Created"), _("Resolved"), _("Rejected")],
                [[d.day.isoformat(), d.created, d.resolved, d.rejected] for d in report.by_day])
    if by == By.SECTOR:
        return (["sector", "created", "resolved", "rejected"],
                [_("Sector"), _("Created"), _("Resolved"), _("Rejected")],
                [[s.sector, s.created, s.resolved, s.rejected] for s in report.by_sector])
    return (["hour", "created"], [_("Hour"), _("Created")],
            [[f"{h.hour:02d}:00", h.created] for h in report.by_hour])


def _title(report: StatsReport) -> str:
    start = report.date_from.isoformat() if report.date_from else "…"
    end = report.date_to.isoformat() if report.date_to else "…"
    scope = report.unit or _("all units")
    return _("{start} to {end} ({tz}), {scope}").format(start=start, end=end, tz=report.timezone, scope=scope)


def _tables(report: StatsReport, by: By | None) -> None:
    out.print(_title(report), markup=False)
    for dim in [by] if by else [By.UNIT, By.USER]:
        _keys, head, rows = _rows(report, dim)
        table = Table(show_edge=False, pad_edge=False)
        for i, h in enumerate(head):
            table.add_column(h, justify="left" if i == 0 or (dim == By.USER and i < 3) else "right")
        for row in rows:
            table.add_row(*("—" if v is None else str(v) for v in row))
        out.print()
        out.print(table)
    t = report.totals
    out.print()
    out.print(_("Total: {res} resolved, {rej} rejected, {new} created; backlog now {p} pending, {i} in progress.")
              .format(res=t.resolved, rej=t.rejected, new=t.created, p=t.pending, i=t.in_progress),
              markup=False)


def _csv(report: StatsReport, by: By) -> None:
    import csv

    keys, _head, rows = _rows(report, by)
    with stdout_text("utf-8-sig") as stream:
        writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
        writer.writerow(keys)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])


def _plot(report: StatsReport, by: By) -> None:
    import plotext as plt

    _keys, head, rows = _rows(report, by)
    plt.clear_figure()
    if not sys.stdout.isatty():
        plt.theme("clear")  # no colour codes in a file or a pipe
    plt.plotsize(min(out.width, 160), max(12, min(40, len(rows) + 10)))
    def count_axis(values: list[int], horizontal: bool = False) -> None:
        ticks = count_ticks(max(values, default=0))  # whole counts, not plotext's 8.8 and 53.0
        (plt.xticks if horizontal else plt.yticks)(ticks)
        (plt.xlim if horizontal else plt.ylim)(0, ticks[-1])

    if by in (By.UNIT, By.USER, By.SECTOR) and rows:
        col = {By.UNIT: 1, By.USER: 3, By.SECTOR: 2}[by]
        series = [[int(r[col]) for r in rows], [int(r[col + 1]) for r in rows]]
        plt.multiple_bar([str(r[0]) for r in rows], series, labels=[head[col], head[col + 1]],
                         marker=["sd", "#"], orientation="vertical" if by == By.UNIT else "horizontal")
        count_axis(series[0] + series[1], horizontal=by != By.UNIT)
    elif by == By.DAY and rows:
        series = [[r[i] for r in rows] for i in (1, 2, 3)]
        plt.multiple_bar([str(r[0])[5:] for r in rows], series, labels=head[1:], marker=["sd", "#", "o"])
        count_axis(series[0] + series[1] + series[2])
    elif by == By.HOUR:
        plt.bar([str(r[0])[:2] for r in rows], [r[1] for r in rows], label=head[1])
        count_axis([r[1] for r in rows])
    plt.title(_title(report))
    chart = plt.build()
    sys.stdout.write((chart if sys.stdout.isatty() else plt.uncolorize(chart)) + "\n")
    sys.stdout.flush()
