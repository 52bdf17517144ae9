"""``iticket login | logout | whoami`` and ``iticket token create | list | revoke``."""

from __future__ import annotations

import typer

from iticket.cli.common import actor_of, ctx_of, id_argument, json_option, read_password
from iticket.cli.output import err, handled, out, print_json
from iticket.core.i18n import _
from iticket.core.services import auth

token_app = typer.Typer(help=_("Personal API tokens for scripts."), no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command("login", help=_("Log in and keep a session for the next commands."))(login)
    app.command("logout", help=_("End the stored session."))(logout)
    app.command("whoami", help=_("Show who the current session or token belongs to."))(whoami)
    app.add_typer(token_app, name="token")


def login(
    ctx: typer.Context,
    username: str | None = typer.Option(None, "-u", "--user", help=_("Username.")),
    password_stdin: bool = typer.Option(False, "--password-stdin", help=_("Read the password from stdin.")),
    as_json: bool = json_option(),
) -> None:
    app_ctx = ctx_of(ctx)
    with handled(as_json):
        if not username:
            if password_stdin:
                from iticket.core.errors import ValidationError

                raise ValidationError(_("Give the username with -u when using --password-stdin."))
            username = typer.prompt(_("Username"))
        password = read_password(_("Password"), from_stdin=password_stdin)
        actor, secret = auth.login(app_ctx.db, username, password, hours=app_ctx.settings.session_hours)
        app_ctx.save_session(secret, actor.username)
        if as_json:
            print_json(_who(actor))
        else:
            err.print(_("Logged in as {user} ({unit}).").format(user=actor.username, unit=actor.unit), markup=False)
        if actor.must_change_password:
            err.print(_("Warning: your password is a default or was reset; change it with 'iticket users passwd'."), markup=False)


def logout(ctx: typer.Context, as_json: bool = json_option()) -> None:
    app_ctx = ctx_of(ctx)
    with handled(as_json):
        secret = app_ctx.clear_session()
        if secret:
            auth.logout(app_ctx.db, secret)
        if as_json:
            print_json({"logged_out": bool(secret)})
        else:
            err.print(_("Logged out.") if secret else _("There was no session."), markup=False)


def _who(actor: object) -> dict[str, object]:
    return {
        "username": actor.username,  # type: ignore[attr-defined]
        "full_name": actor.full_name,  # type: ignore[attr-defined]
        "unit": actor.unit,  # type: ignore[attr-defined]
        "role": actor.role.value,  # type: ignore[attr-defined]
    }


def whoami(ctx: typer.Context, as_json: bool = json_option()) -> None:
    with handled(as_json):
        actor = actor_of(ctx)
        if as_json:
            print_json(_who(actor))
        else:
            out.print(f"{actor.username} — {actor.full_name} ({actor.unit}, {actor.role.value})", markup=False)


@token_app.command("create", help=_("Create an API token; it is printed once."))
def token_create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help=_("A name to recognise the token.")),
    for_user: str | None = typer.Option(None, "--for", help=_("Admins: create it for a user of your unit (e.g. wspbot).")),
    as_json: bool = json_option(),
) -> None:
    with handled(as_json):
        actor = actor_of(ctx)
        token, secret = auth.create_token(ctx_of(ctx).db, name, actor=actor, for_user=for_user)
        if as_json:
            print_json({"id": token.id, "name": token.name, "token": secret})
        else:
            out.print(secret, markup=False)
            err.print(_("Token {id} '{name}' created. Keep it safe: it is not shown again.").format(id=token.id, name=token.name), markup=False)


@token_app.command("list", help=_("List your API tokens."))
def token_list(ctx: typer.Context, as_json: bool = json_option()) -> None:
    with handled(as_json):
        tokens = auth.list_tokens(ctx_of(ctx).db, actor=actor_of(ctx))
        if as_json:
            print_json([{"id": t.id, "owner": t.owner, "name": t.name, "created_at": t.created_at.isoformat(),
                         "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                         "revoked": t.revoked} for t in tokens])
            return
        from rich.table import Table

        from iticket.cli.render import local

        table = Table(show_edge=False, pad_edge=False)
        for col in ("ID", _("User"), _("Name"), _("Created"), _("Last used"), _("Revoked")):
            table.add_column(col)
        for t in tokens:
            table.add_row(str(t.id), t.owner, t.name, local(t.created_at), local(t.last_used_at), _("yes") if t.revoked else _("no"))
        out.print(table)


@token_app.command("revoke", help=_("Revoke an API token."))
def token_revoke(ctx: typer.Context, token_id: int = id_argument("ID"), as_json: bool = json_option()) -> None:
    with handled(as_json):
        token = auth.revoke_token(ctx_of(ctx).db, token_id, actor=actor_of(ctx))
        if as_json:
            print_json({"id": token.id, "name": token.name, "revoked": token.revoked})
        else:
            err.print(_("Token {id} revoked.").format(id=token.id), markup=False)
