"""``iticket tui`` (also plain ``iticket``) and ``iticket demo``: launch the staff terminal UI.

Textual is imported inside the functions, so scripting commands never pay for it.
"""

from __future__ import annotations

import typer

from iticket.cli.common import ctx_of
from iticket.cli.context import AppContext
from iticket.cli.output import Exit, err, handled
from iticket.core.i18n import _
from iticket.core.services import users


def register(app: typer.Typer) -> None:
    app.command("tui", help=_("Open the full-screen terminal UI (also: 'iticket' alone)."))(tui)
    app.command("demo", help=_("Try iTicket on a fresh demo database with realistic tickets."))(demo)


def open_tui(app_ctx: AppContext, *, login_hint: str = "") -> None:
    """Open the TUI on the configured database (refuses an empty one with a hint)."""
    with handled(False):
        db = app_ctx.db
        if not users.list_units(db):
            err.print(
                _("The database {url} is empty: run 'iticket init' first (or 'iticket demo' to try iTicket).").format(
                    url=db.url
                ),
                markup=False,
            )
            raise typer.Exit(Exit.NOT_FOUND)
    from iticket.tui.app import create_app

    create_app(db, login_hint=login_hint).run()


def tui(ctx: typer.Context) -> None:
    open_tui(ctx_of(ctx))


def demo(
    ctx: typer.Context,
    tickets: int = typer.Option(300, "--tickets", min=10, max=5000, help=_("How many demo tickets to create.")),
    days: int = typer.Option(60, "--days", min=1, max=365, help=_("Spread them over this many past days.")),
    keep: bool = typer.Option(False, "--keep", help=_("Keep the demo database after quitting (its path is printed).")),
) -> None:
    from iticket.cli.demo import run_demo

    run_demo(ctx_of(ctx), tickets=tickets, days=days, keep=keep)
