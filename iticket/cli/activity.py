"""``iticket activity``: a unit's recent activity, or one ticket's timeline."""

from __future__ import annotations

import typer

from iticket.cli.common import actor_of, ctx_of, json_option
from iticket.cli.output import handled, out, print_json
from iticket.cli.render import activity_json, activity_table
from iticket.core.i18n import _
from iticket.core.services import activity as svc


def register(app: typer.Typer) -> None:
    app.command("activity", help=_("Recent activity of your unit, or of one ticket."))(activity)


def activity(
    ctx: typer.Context,
    ticket: int | None = typer.Option(None, "--ticket", help=_("Only this ticket's timeline.")),
    unit: str | None = typer.Option(None, "--unit", help=_("Admins: another unit, or 'all'.")),
    limit: int = typer.Option(50, "--limit", help="1-1000"),
    as_json: bool = json_option(),
) -> None:
    with handled(as_json):
        rows = svc.recent_activity(ctx_of(ctx).db, actor=actor_of(ctx), unit=unit, ticket_id=ticket, limit=limit)
        if as_json:
            print_json([activity_json(a) for a in rows])
        else:
            out.print(activity_table(rows))
