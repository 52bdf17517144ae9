"""Import hygiene, checked in a fresh interpreter: the core loads no front-end library, and the
CLI module behind ``iticket assign`` loads neither Textual nor aiohttp."""

from __future__ import annotations

import json
import subprocess
import sys


def loaded_after(statement: str) -> set[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {m.split(".")[0] for m in json.loads(out.stdout)}


def test_core_is_headless():
    mods = loaded_after(
        "import iticket.core.services.tickets, iticket.core.services.users, "
        "iticket.core.services.auth, iticket.core.services.tasks, iticket.core.services.activity, "
        "iticket.core.seed, iticket.core.db"
    )
    assert not mods & {"textual", "typer", "rich", "aiohttp", "click"}


def test_cli_assign_does_not_load_textual_or_aiohttp():
    mods = loaded_after("import iticket.cli.main, iticket.cli.tickets")
    assert "typer" in mods
    assert not mods & {"textual", "aiohttp", "plotext", "textual_plotext"}
