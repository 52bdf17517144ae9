"""``iticket bot serve`` (the WhatsApp webhook, intake API and background sender) and
``iticket bot chat`` (the same conversation in the console, against the real database).

aiohttp and the bot package are imported inside the commands: ``iticket assign`` never pays
for them. ``serve`` refuses to start without the WhatsApp secrets (exit 2, one line).
"""

from __future__ import annotations

import sys

import typer

from iticket.cli.common import ctx_of
from iticket.cli.output import Exit, err, fail, handled
from iticket.core.i18n import _

bot_app = typer.Typer(help=_("Run the WhatsApp bot, or try its conversation in the console."),
                      no_args_is_help=True)

DEFAULT_CHAT_PHONE = "5490000000000"


def register(app: typer.Typer) -> None:
    app.add_typer(bot_app, name="bot")


@bot_app.command("serve", help=_("Serve the WhatsApp webhook, the intake API and /healthz."))
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help=_("Address to listen on.")),
    port: int = typer.Option(8080, "--port", help=_("Port to listen on.")),
) -> None:
    from pydantic import ValidationError as SettingsError

    from iticket.bot.settings import BotSettings

    try:
        settings = BotSettings()
    except SettingsError as exc:
        first = exc.errors()[0]
        where = "ITICKET_WA_" + str(first["loc"][0]).upper() if first.get("loc") else "ITICKET_WA_*"
        fail(Exit.USAGE, _("Invalid setting {name}: {problem}").format(name=where, problem=first["msg"]),
             as_json=False)
    missing = settings.missing()
    if missing:
        fail(Exit.USAGE, _("The bot cannot start: set {names} (see the README, 'WhatsApp bot').").format(
            names=", ".join(missing)), as_json=False)
    if not 1 <= port <= 65535:
        fail(Exit.USAGE, _("The port must be between 1 and 65535."), as_json=False)
    with handled(False):
        db = ctx_of(ctx).db
        from iticket.bot.app import serve as run_server

        err.print(_("iTicket bot listening on http://{host}:{port}").format(host=host, port=port),
                  markup=False)
        try:
            run_server(settings, db, host=host, port=port)
        except OSError as exc:
            fail(Exit.UNEXPECTED, _("Cannot listen on {host}:{port}: {error}").format(
                host=host, port=port, error=exc.strerror or exc), as_json=False)


@bot_app.command("chat", help=_("Simulate a WhatsApp conversation with the bot in the console."))
def chat(
    ctx: typer.Context,
    phone: str = typer.Option(DEFAULT_CHAT_PHONE, "--phone",
                              help=_("The WhatsApp id (digits with country code) to chat as.")),
) -> None:
    wa_id = phone.strip().lstrip("+")
    if not wa_id.isdigit() or not 6 <= len(wa_id) <= 20:
        fail(Exit.USAGE, _("The phone must be digits with the country code (6 to 20)."), as_json=False)
    from iticket.bot.intake import handle_text

    interactive = sys.stdin.isatty()
    with handled(False):
        db = ctx_of(ctx).db
        if interactive:
            err.print(_("Chatting as +{phone}. Type like on WhatsApp; Ctrl-D to leave.").format(
                phone=wa_id), markup=False)
        while True:
            if interactive:
                sys.stdout.write("> ")
                sys.stdout.flush()
            line = sys.stdin.readline()
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            for reply in handle_text(db, wa_id, text):
                sys.stdout.write("bot: " + reply.replace("\n", "\n     ") + "\n\n")
            sys.stdout.flush()
