"""``iticket init`` and ``iticket db upgrade | copy``."""

from __future__ import annotations

import typer

from iticket.cli.common import ctx_of, json_option
from iticket.cli.output import err, handled, print_json
from iticket.core import db as dbmod
from iticket.core import dbcopy
from iticket.core.i18n import _
from iticket.core.seed import seed
from iticket.core.services import stats_rollup

db_app = typer.Typer(help=_("Database maintenance."), no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("init", help=_("Create the database, the units and the seed accounts (idempotent)."))(init)
    app.add_typer(db_app, name="db")


def init(ctx: typer.Context, as_json: bool = json_option()) -> None:
    app_ctx = ctx_of(ctx)
    app_ctx.create_ok = True
    with handled(as_json):
        report = seed(app_ctx.db)
        if as_json:
            print_json({"database": app_ctx.db.url, "units_created": report.units_created,
                        "users_created": report.users_created, "sectors_created": report.sectors_created})
            return
        err.print(_("Database ready: {url}").format(url=app_ctx.db.url), markup=False)
        if report.users_created:
            err.print(_("Created users: {names} (password = username; change it at first login).").format(
                names=", ".join(report.users_created)), markup=False)
        else:
            err.print(_("Nothing to create: the seed accounts already exist."), markup=False)


@db_app.command("upgrade", help=_("Apply pending migrations."))
def upgrade(ctx: typer.Context, as_json: bool = json_option()) -> None:
    app_ctx = ctx_of(ctx)
    app_ctx.create_ok = True
    with handled(as_json):
        database = app_ctx.db  # migrates on first use
        dbmod.upgrade(database)
        rev = dbmod.current_revision(database)
        if as_json:
            print_json({"database": database.url, "revision": rev})
        else:
            err.print(_("Database at revision {rev}.").format(rev=rev), markup=False)


@db_app.command("rebuild-stats",
                help=_("Rebuild the statistics rollups from the activity log (after changing ITICKET_TIMEZONE)."))
def rebuild_stats(
    ctx: typer.Context,
    timezone: str | None = typer.Option(None, "--timezone", envvar="ITICKET_TIMEZONE",
                                        help=_("IANA zone to cut local days in (default: the system's).")),
    as_json: bool = json_option(),
) -> None:
    with handled(as_json):
        zone, rows = stats_rollup.rebuild_all(ctx_of(ctx).db, timezone)
        if as_json:
            print_json({"timezone": zone, "rows": rows})
            return
        err.print(_("Statistics rollups rebuilt in {tz}: {rows} rows.").format(
            tz=zone, rows=sum(rows.values())), markup=False)


@db_app.command("copy", help=_("Copy a whole installation to another database (SQLite <-> PostgreSQL)."))
def copy(
    source: str = typer.Option(..., "--from", help=_("Database URL to read from."), show_default=False),
    target: str = typer.Option(..., "--to", help=_("Database URL to write to (empty, unless --force)."),
                               show_default=False),
    force: bool = typer.Option(False, "--force", help=_("Replace iTicket's tables in a non-empty target (other tables are left untouched).")),
    batch_size: int = typer.Option(dbcopy.DEFAULT_BATCH, "--batch-size", min=1,
                                   help=_("Rows per batch (memory stays constant).")),
    as_json: bool = json_option(),
) -> None:
    # Deliberately not ctx_of(ctx).db: the configured database is neither side of the copy.
    with handled(as_json):
        last: dict[str, int] = {}

        def progress(table: str, rows: int) -> None:
            if not as_json and rows - last.get(table, 0) >= 50_000:
                last[table] = rows
                err.print(_("{table}: {rows} rows...").format(table=table, rows=rows), markup=False)

        report = dbcopy.copy_database(source, target, force=force, batch_size=batch_size,
                                      progress=progress)
        if as_json:
            print_json({"from": report.source, "to": report.target, "rows": report.rows,
                        "total": report.total})
            return
        for table, rows in report.rows.items():
            err.print(f"  {table:<18} {rows:>10}", markup=False)
        err.print(_("Copied {total} rows from {source} to {target}.").format(
            total=report.total, source=report.source, target=report.target), markup=False)
