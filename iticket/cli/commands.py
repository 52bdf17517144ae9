"""The ``iticket`` command line (Typer): every sub-command, and the one place errors become
one line and an exit code. ``iticket.cli.main.run`` (the console entry) hands over to
``run_cli`` unless it is a plain ``iticket`` / ``iticket tui`` start, which opens the terminal
UI without loading Typer and the command modules. With no arguments this app opens it too.

Sub-command modules are imported here, but each keeps heavy front-end libraries (Textual,
aiohttp) inside the function that launches them, so ``iticket assign`` never pays for them.
"""

from __future__ import annotations

import sys

import typer

from iticket.cli import activity as activity_cmd
from iticket.cli import auth as auth_cmd
from iticket.cli import dbcmd, tasks, tickets, users
from iticket.cli.context import AppContext
from iticket.cli.output import Exit, pipe_closed
from iticket.core.i18n import _

app = typer.Typer(
    name="iticket",
    help=_("iTicket: the hospital IT helpdesk (WhatsApp intake, terminal UI, scripting CLI)."),
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback(invoke_without_command=True)
def main(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", envvar="ITICKET_DATABASE_URL", help=_("Database URL (default: SQLite in the user data dir).")
    ),
) -> None:
    from pydantic import ValidationError as SettingsError

    from iticket.cli.output import Exit, fail
    from iticket.core.config import Settings

    try:
        settings = Settings()
    except SettingsError as exc:
        first = exc.errors()[0]
        name = "ITICKET_" + str(first["loc"][0]).upper() if first.get("loc") else "ITICKET_*"
        fail(Exit.USAGE, _("Invalid setting {name}: {problem}").format(name=name, problem=first["msg"]),
             as_json="--json" in sys.argv, error_code="invalid")
    ctx.obj = AppContext(settings=settings, db_url=db)
    if ctx.invoked_subcommand is None:
        from iticket.cli.tui import open_tui

        open_tui(ctx.obj)


auth_cmd.register(app)
dbcmd.register(app)
tickets.register(app)
tasks.register(app)
activity_cmd.register(app)
users.register(app)

for _module in ("stats", "export", "bot", "tui"):
    try:
        __import__(f"iticket.cli.{_module}")
        sys.modules[f"iticket.cli.{_module}"].register(app)  # type: ignore[attr-defined]
    except ModuleNotFoundError as exc:  # pragma: no cover - only while a front end is missing
        if exc.name != f"iticket.cli.{_module}":
            raise


def run_cli() -> None:
    """The full command line. A bug still ends in one line (and exit 1); ``ITICKET_DEBUG=1``
    shows the traceback for a bug report."""
    import os

    try:
        # Not standalone: Typer returns the exit code instead of exiting, and lets usage errors
        # reach us so they follow the same one-line (or JSON) rule as every other error.
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except typer.Abort as exc:
        # A declined prompt, or Ctrl-C (which Click turns into Abort): every change is one
        # transaction, so nothing was half-written; say so briefly.
        sys.stderr.write(_("Cancelled.") + "\n")
        sys.exit(int(Exit.INTERRUPTED) if isinstance(exc.__cause__, KeyboardInterrupt) else 1)
    except KeyboardInterrupt:  # Ctrl-C outside Click's own guard (while starting, say)
        sys.stderr.write("\n" + _("Cancelled.") + "\n")
        sys.exit(int(Exit.INTERRUPTED))
    except BrokenPipeError:
        try:
            pipe_closed()
        except typer.Exit as exc:
            sys.exit(exc.exit_code)
    except typer.TyperException as exc:
        # Usage mistakes: one line (JSON with --json), the command's help hint, exit 2.
        import json

        message = exc.format_message()
        command = exc.ctx.command_path if getattr(exc, "ctx", None) else "iticket"
        if "--json" in sys.argv:
            sys.stderr.write(json.dumps({"error": {"code": "usage", "message": message}},
                                        ensure_ascii=False) + "\n")
        else:
            sys.stderr.write(_("Usage error: {message} (see '{command} -h')").format(
                message=message, command=command) + "\n")
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - last resort: never a traceback for users
        if os.environ.get("ITICKET_DEBUG"):
            raise
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        sys.stderr.write(_("Unexpected error: {error} (ITICKET_DEBUG=1 shows details)").format(
            error=message) + "\n")
        sys.exit(1)
