"""CLI test helpers: a bot token and tickets filed through the real executable."""

from __future__ import annotations

from typing import Any

from tests.conftest import Cli


def bot_token(cli: Cli) -> str:
    cli.login("helpdesk")
    r = cli("token", "create", "whatsapp", "--for", "wspbot", "--json")
    assert r.code == 0, r.stderr
    return str(r.json()["token"])


def create_ticket(cli: Cli, token: str, **over: str) -> dict[str, Any]:
    fields = {"name": "Lucía Fernández", "sector": "Guardia", "extension": "4321",
              "phone": "5491100000001", "detail": "La impresora no imprime"}
    fields.update(over)
    args = ["tickets", "create", "--json"]
    for key, value in fields.items():
        args += [f"--{key}", value]
    r = cli(*args, token=token)
    assert r.code == 0, r.stderr
    return r.json()  # type: ignore[no-any-return]
