"""``iticket users list | add | passwd | deactivate``."""

from __future__ import annotations

import typer
from rich.table import Table

from iticket.cli.common import actor_of, ctx_of, json_option, read_password
from iticket.cli.output import err, handled, out, print_json
from iticket.cli.render import user_json
from iticket.core.errors import ValidationError
from iticket.core.i18n import _
from iticket.core.models import Role
from iticket.core.services import auth
from iticket.core.services import users as svc

users_app = typer.Typer(help=_("Staff accounts."), no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")


@users_app.command("list", help=_("Users of your unit (admins: --unit U or --unit all)."))
def list_(ctx: typer.Context, unit: str | None = typer.Option(None, "--unit"),
          inactive: bool = typer.Option(False, "--inactive", help=_("Include inactive users.")),
          as_json: bool = json_option()) -> None:
    with handled(as_json):
        rows = svc.list_users(ctx_of(ctx).db, actor=actor_of(ctx), unit=unit, include_inactive=inactive)
        if as_json:
            print_json([user_json(u) for u in rows])
            return
        table = Table(show_edge=False, pad_edge=False)
        for col in (_("User"), _("Name"), _("Unit"), _("Role"), _("Active")):
            table.add_column(col)
        for u in rows:
            table.add_row(u.username, u.full_name, u.unit, u.role.value, _("yes") if u.active else _("no"))
        out.print(table)


@users_app.command("add", help=_("Create a user in your unit (admins)."))
def add(
    ctx: typer.Context,
    username: str = typer.Argument(..., metavar="USERNAME"),
    name: str = typer.Option(..., "--name", help=_("Full name.")),
    unit: str | None = typer.Option(None, "--unit", help=_("Must be your own unit.")),
    role: str = typer.Option("agent", "--role", help="agent | admin"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=_("Read the password from stdin; otherwise a temporary one is generated.")),
    as_json: bool = json_option(),
) -> None:
    with handled(as_json):
        if role not in ("agent", "admin"):
            raise ValidationError(_("The role must be 'agent' or 'admin'."))
        password = read_password(_("Password"), from_stdin=True) if password_stdin else None
        user, generated = svc.add_user(ctx_of(ctx).db, username, full_name=name, actor=actor_of(ctx),
                                       unit=unit, role=Role(role), password=password)
        if as_json:
            data = user_json(user)
            if generated:
                data["temporary_password"] = generated
            print_json(data)
            return
        err.print(_("User {name} created in {unit}.").format(name=user.username, unit=user.unit), markup=False)
        if generated:
            err.print(_("Temporary password (must be changed at first login):"), markup=False)
            out.print(generated, markup=False)


@users_app.command("passwd", help=_("Change your password, or (admins) reset a user's of your unit."))
def passwd(
    ctx: typer.Context,
    username: str | None = typer.Argument(None, metavar="[USERNAME]"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=_("Own password: current then new, one per line. Reset: the new one.")),
    as_json: bool = json_option(),
) -> None:
    with handled(as_json):
        app_ctx = ctx_of(ctx)
        actor = app_ctx.actor()
        if username is None or username.strip().lower() == actor.username:
            current = read_password(_("Current password"), from_stdin=password_stdin)
            new = read_password(_("New password"), from_stdin=password_stdin, confirm=True)
            auth.change_own_password(app_ctx.db, actor=actor, current=current, new=new)
            if as_json:
                print_json({"username": actor.username, "changed": True})
            else:
                err.print(_("Password changed."), markup=False)
            return
        new_pw = read_password(_("New password"), from_stdin=True) if password_stdin else None
        user, generated = svc.reset_password(app_ctx.db, username, actor=actor, password=new_pw)
        if as_json:
            data = user_json(user)
            if generated:
                data["temporary_password"] = generated
            print_json(data)
            return
        err.print(_("Password of {name} reset; it must be changed at the next login.").format(name=user.username), markup=False)
        if generated:
            out.print(generated, markup=False)


@users_app.command("deactivate", help=_("Deactivate a user of your unit; their open tickets return to the unit."))
def deactivate(ctx: typer.Context, username: str = typer.Argument(..., metavar="USERNAME"), as_json: bool = json_option()) -> None:
    with handled(as_json):
        user, returned = svc.deactivate_user(ctx_of(ctx).db, username, actor=actor_of(ctx))
        if as_json:
            print_json({**user_json(user), "returned_tickets": returned})
            return
        err.print(_("User {name} deactivated.").format(name=user.username), markup=False)
        if returned:
            err.print(_("Tickets back to the unit as pending: {ids}").format(ids=", ".join(f"#{i}" for i in returned)), markup=False)


@users_app.command("activate", help=_("Reactivate a deactivated user of your unit."))
def activate(ctx: typer.Context, username: str = typer.Argument(..., metavar="USERNAME"), as_json: bool = json_option()) -> None:
    with handled(as_json):
        user = svc.activate_user(ctx_of(ctx).db, username, actor=actor_of(ctx))
        if as_json:
            print_json(user_json(user))
        else:
            err.print(_("User {name} is active again.").format(name=user.username), markup=False)
