"""The ``iticket`` console entry. With no arguments (or ``tui``) it opens the terminal UI.

Staff start the program many times a day, and the start is what they wait for: a plain
``iticket`` / ``iticket tui`` (optionally with ``--db URL``) goes straight to the TUI without
importing Typer and every command module (``iticket.cli.commands``), which the TUI never uses.
That fast path only takes the road where everything is in order: a bad setting, a missing or
empty database, any other argument or option goes to the full command line, which reports it
exactly as before (one line, the same exit codes). ``app`` is still importable from here.
"""

from __future__ import annotations

import os
import sys
from typing import Any


def tui_database_arg(argv: list[str]) -> tuple[bool, str | None]:
    """``(True, --db value or None)`` when ``argv`` asks for the TUI and nothing else."""
    rest, url = list(argv), None
    if len(rest) >= 2 and rest[0] == "--db":
        url, rest = rest[1], rest[2:]
    elif rest and rest[0].startswith("--db="):
        url, rest = rest[0].removeprefix("--db="), rest[1:]
    return rest in ([], ["tui"]), url


def _open_tui_directly(url: str | None) -> bool:
    """Open the TUI if the settings and the database are in order; ``False`` (nothing shown)
    otherwise, for the full command line to report. The TUI itself runs under the same
    last-resort rule as every command: a bug ends in one line unless ``ITICKET_DEBUG`` is set."""
    try:
        from iticket.cli.context import AppContext
        from iticket.core.config import Settings
        from iticket.core.services import users

        db = AppContext(settings=Settings(), db_url=url or None).db
        if not users.list_units(db):
            return False
    except Exception:  # noqa: BLE001 - reported by the full command line, which repeats this
        return False
    try:
        from iticket.tui.app import create_app

        create_app(db).run()
    except Exception as exc:  # noqa: BLE001 - last resort: never a traceback for users
        if os.environ.get("ITICKET_DEBUG"):
            raise
        from iticket.core.i18n import _

        message = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        sys.stderr.write(_("Unexpected error: {error} (ITICKET_DEBUG=1 shows details)").format(
            error=message) + "\n")
        sys.exit(1)
    return True


def run() -> None:
    """Entry point (``[project.scripts]``)."""
    try:
        wants_tui, url = tui_database_arg(sys.argv[1:])
        if wants_tui and _open_tui_directly(url):
            sys.exit(0)
        from iticket.cli.commands import run_cli
    except KeyboardInterrupt:  # Ctrl-C while the program is still loading: no traceback
        sys.stderr.write("\n")
        sys.exit(130)
    run_cli()


def __getattr__(name: str) -> Any:
    """``from iticket.cli.main import app`` keeps working (the Typer app lives in commands)."""
    if name == "app":
        from iticket.cli.commands import app

        return app
    raise AttributeError(name)
