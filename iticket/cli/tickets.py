"""``iticket tickets list | show | create`` and the ticket verbs: ``assign``, ``take``,
``unassign``, ``resolve``, ``reject``, ``reopen``, ``note``.

Every verb prints the changed ticket (JSON with ``--json``). ``--if-version`` makes a change
conditional on the version the script last saw: a stale one exits 6 instead of overwriting.
"""

from __future__ import annotations

from collections.abc import Callable

import typer

from iticket.cli.common import actor_of, ctx_of, id_argument, json_option, text_or_stdin
from iticket.cli.output import err, handled, out, print_json
from iticket.cli.render import (
    activity_table,
    detail_json,
    local,
    note_json,
    ticket_json,
    tickets_table,
)
from iticket.core.errors import ValidationError
from iticket.core.i18n import _
from iticket.core.models import TicketPublic
from iticket.core.rules import status_label
from iticket.core.services import tickets as svc

tickets_app = typer.Typer(help=_("List, show and create tickets."), no_args_is_help=True)

IF_VERSION_HELP = "Only change the ticket if its version is still this one (exit 6 otherwise)."


def register(app: typer.Typer) -> None:
    app.add_typer(tickets_app, name="tickets")
    app.command("assign", help=_("Assign a ticket to a user, or route it to a unit."))(assign)
    app.command("take", help=_("Assign a ticket to yourself."))(take)
    app.command("unassign", help=_("Remove the assignee; the ticket goes back to pending."))(unassign)
    app.command("resolve", help=_("Close a ticket as resolved; the requester gets the message."))(resolve)
    app.command("reject", help=_("Close a ticket as rejected; the requester gets the reason."))(reject)
    app.command("reopen", help=_("Reopen a closed ticket (back to pending)."))(reopen)
    app.command("note", help=_("Add a private note (never sent to the requester)."))(note)


def _print_ticket(t: TicketPublic, as_json: bool, message: str) -> None:
    if as_json:
        print_json(ticket_json(t))
    else:
        out.print(tickets_table([t]))
        err.print(message, markup=False)


@tickets_app.command("list", help=_("List tickets, oldest first (the queue order)."))
def list_(
    ctx: typer.Context,
    status: str | None = typer.Option(None, "--status", help="pending, in_progress, resolved, rejected, open, closed or all."),
    unit: str | None = typer.Option(None, "--unit", help=_("Unit code (admins: any; default: yours, admins: all).")),
    assignee: str | None = typer.Option(None, "--assignee", help=_("USERNAME, 'me' or 'none'.")),
    search: str | None = typer.Option(None, "--search", help=_("Text in the detail, requester or sector; or a ticket number.")),
    limit: int = typer.Option(50, "--limit", help=_("At most this many tickets (1-500).")),
    newest: bool = typer.Option(False, "--newest", help=_("Newest first.")),
    as_json: bool = json_option(),
) -> None:
    with handled(as_json):
        actor = actor_of(ctx)
        flt = svc.TicketFilter(
            statuses=svc.parse_status(status) if status else (),
            unit=unit, assignee=assignee, search=search,
        )
        page = svc.list_tickets(ctx_of(ctx).db, actor=actor, filter=flt, limit=limit, newest_first=newest)
        if as_json:
            print_json([ticket_json(t) for t in page.tickets])
        elif not page.tickets:
            err.print(_("No tickets match."), markup=False)
        else:
            out.print(tickets_table(page.tickets))


@tickets_app.command("show", help=_("Show a ticket with its private notes and its activity."))
def show(ctx: typer.Context, number: int = id_argument("N"), as_json: bool = json_option()) -> None:
    with handled(as_json):
        detail = svc.show_ticket(ctx_of(ctx).db, number, actor=actor_of(ctx))
        if as_json:
            print_json(detail_json(detail))
            return
        t = detail.ticket
        out.print(f"[bold]#{t.id}[/]  {status_label(t.status)}  ·  {t.unit}  ·  {t.assignee or _('unassigned')}")
        rows = [
            (_("Requester"), t.requester.name), (_("Sector"), t.requester.sector),
            (_("Extension"), t.requester.extension), (_("WhatsApp"), t.requester.phone or "—"),
            (_("Created"), local(t.created_at)), (_("Closed"), local(t.closed_at)),
            (_("Version"), str(t.version)),
        ]
        if t.resolution_message:
            rows.append((_("Message to requester"), t.resolution_message))
        for label, value in rows:
            out.print(f"{label}: {value}", markup=False)
        out.print(f"\n{t.detail}\n", markup=False)
        for a in detail.attachments:
            out.print(f"📎 {a.media_type} {a.filename or ''} {a.caption or ''} [{a.state}]", markup=False)
        if detail.notes:
            out.print(f"[bold]{_('Private notes')}[/]")
            for n in detail.notes:
                out.print(f"  {local(n.created_at)} {n.author}: {n.text}", markup=False)
        if detail.activity:
            out.print(f"[bold]{_('Activity')}[/]")
            out.print(activity_table(detail.activity))


@tickets_app.command("create", help=_("Create a ticket (bot role only: external chatbots and scripts)."))
def create(
    ctx: typer.Context,
    name: str = typer.Option(..., "--name", help=_("Requester's name and surname.")),
    sector: str = typer.Option(..., "--sector"),
    extension: str = typer.Option(..., "--extension", help=_("Internal phone extension.")),
    phone: str = typer.Option(..., "--phone", help=_("Requester's WhatsApp id (digits with country code).")),
    detail: str = typer.Option(..., "--detail", help=_("The problem ('-' reads it from stdin).")),
    as_json: bool = json_option(),
) -> None:
    with handled(as_json):
        t = svc.create_ticket(
            ctx_of(ctx).db, actor=actor_of(ctx), name=name, sector=sector, extension=extension,
            phone=phone, detail=text_or_stdin(detail),
        )
        _print_ticket(t, as_json, _("Ticket #{id} created.").format(id=t.id))


def _change(ctx: typer.Context, as_json: bool, action: Callable[..., TicketPublic], message: str) -> None:
    with handled(as_json):
        t = action(ctx_of(ctx).db, actor_of(ctx))
        _print_ticket(t, as_json, message.format(id=t.id, user=t.assignee, unit=t.unit))


def assign(
    ctx: typer.Context,
    number: int = id_argument("N"),
    user: str | None = typer.Option(None, "--user", help=_("Assign to this user (moves the ticket to the user's unit).")),
    unit: str | None = typer.Option(None, "--unit", help=_("Route to this unit, unassigned.")),
    if_version: int | None = typer.Option(None, "--if-version", help=IF_VERSION_HELP),
    as_json: bool = json_option(),
) -> None:
    if (user is None) == (unit is None):
        with handled(as_json):
            raise ValidationError(_("Give exactly one of --user or --unit."))
    if user is not None:
        _change(ctx, as_json, lambda db, a: svc.assign(db, number, to_user=user, actor=a, expected_version=if_version),
                _("Ticket #{id} assigned to {user}."))
    else:
        _change(ctx, as_json, lambda db, a: svc.route(db, number, to_unit=unit or "", actor=a, expected_version=if_version),
                _("Ticket #{id} routed to {unit}."))


def take(ctx: typer.Context, number: int = id_argument("N"),
         if_version: int | None = typer.Option(None, "--if-version", help=IF_VERSION_HELP),
         as_json: bool = json_option()) -> None:
    _change(ctx, as_json, lambda db, a: svc.take(db, number, actor=a, expected_version=if_version),
            _("Ticket #{id} is yours."))


def unassign(ctx: typer.Context, number: int = id_argument("N"),
             if_version: int | None = typer.Option(None, "--if-version", help=IF_VERSION_HELP),
             as_json: bool = json_option()) -> None:
    _change(ctx, as_json, lambda db, a: svc.unassign(db, number, actor=a, expected_version=if_version),
            _("Ticket #{id} unassigned."))


def resolve(ctx: typer.Context, number: int = id_argument("N"),
            message: str | None = typer.Option(None, "--message", help=_("What the requester will read ('-' reads stdin).")),
            if_version: int | None = typer.Option(None, "--if-version", help=IF_VERSION_HELP),
            as_json: bool = json_option()) -> None:
    text = text_or_stdin(message) if message is not None else None
    _change(ctx, as_json, lambda db, a: svc.resolve(db, number, actor=a, message=text, expected_version=if_version),
            _("Ticket #{id} resolved."))


def reject(ctx: typer.Context, number: int = id_argument("N"),
           reason: str = typer.Option(..., "--reason", help=_("Why; the requester will read it ('-' reads stdin).")),
           if_version: int | None = typer.Option(None, "--if-version", help=IF_VERSION_HELP),
           as_json: bool = json_option()) -> None:
    text = text_or_stdin(reason)
    _change(ctx, as_json, lambda db, a: svc.reject(db, number, actor=a, reason=text, expected_version=if_version),
            _("Ticket #{id} rejected."))


def reopen(ctx: typer.Context, number: int = id_argument("N"),
           if_version: int | None = typer.Option(None, "--if-version", help=IF_VERSION_HELP),
           as_json: bool = json_option()) -> None:
    _change(ctx, as_json, lambda db, a: svc.reopen(db, number, actor=a, expected_version=if_version),
            _("Ticket #{id} reopened."))


def note(ctx: typer.Context, number: int = id_argument("N"),
         text: str = typer.Argument(..., metavar="TEXT", help=_("The note ('-' reads it from stdin).")),
         as_json: bool = json_option()) -> None:
    with handled(as_json):
        app_ctx = ctx_of(ctx)
        actor = actor_of(ctx)
        svc.add_note(app_ctx.db, number, text_or_stdin(text), actor=actor)
        t = svc.get_ticket(app_ctx.db, number, actor=actor)
        _print_ticket(t, as_json, _("Private note added to ticket #{id}.").format(id=number))


__all__ = ["register", "note_json"]
