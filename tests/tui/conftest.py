"""Helpers for driving the real Textual app with Pilot against a real SQLite file.

``started`` opens the app signed in as a given actor (the login screen itself has its own
tests); ``settle`` waits for database workers; ``wait_until`` polls a condition with a deadline
instead of sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from iticket.core.db import Database
from iticket.core.models import Actor
from iticket.core.services import users
from iticket.tui.app import ITicketApp, create_app


async def settle(pilot: Pilot[None], rounds: int = 3, timeout: float = 10.0) -> None:
    """Let the screen's database workers finish and their results land (a failed worker is the
    screen's business: it shows the error, so this does not raise)."""
    deadline = time.monotonic() + timeout
    for _ in range(rounds):
        while any(w.is_running and w.group != "feed" for w in pilot.app.workers):
            if time.monotonic() > deadline:
                raise AssertionError("database workers still running")
            await pilot.pause(0.01)
        await pilot.pause()


async def wait_until(pilot: Pilot[None], condition: Callable[[], bool], *, timeout: float = 5.0,
                     what: str = "condition") -> float:
    """Poll ``condition`` while the app runs; returns the seconds it took."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await pilot.pause(0.02)
    return time.monotonic() - start


def sign_in(app: ITicketApp, actor: Actor) -> None:
    """What a successful login does (the login screen is tested on its own)."""
    app.units = users.list_units(app.db)
    app.signed_in(actor.model_copy(update={"must_change_password": False}))


def screen_text(app: ITicketApp) -> str:
    """The text of the screen on top: every label and static, and every table row."""
    from textual.widgets import DataTable, OptionList, Static

    parts: list[str] = []
    for widget in app.screen.query("*"):
        if isinstance(widget, Static):
            parts.append(str(widget.render()))
        elif isinstance(widget, DataTable):
            for row in range(widget.row_count):
                parts.append(" ".join(str(c) for c in widget.get_row_at(row)))
        elif isinstance(widget, OptionList):
            parts += [str(widget.get_option_at_index(i).prompt) for i in range(widget.option_count)]
    return "\n".join(parts)


def notifications(app: ITicketApp) -> list[str]:
    return [n.message for n in app._notifications]


@pytest.fixture
def make_app(db: Database) -> Callable[[], ITicketApp]:
    return lambda: create_app(db)


def file_ticket(db: Database, bot: Actor, *, name: str = "María Pérez", sector: str = "Guardia",
                detail: str = "La impresora no imprime", phone: str = "5491122334455") -> int:
    """A ticket filed the way the WhatsApp bot files it."""
    from iticket.core.services import tickets

    return tickets.create_ticket(db, actor=bot, name=name, sector=sector, extension="1234",
                                 phone=phone, detail=detail).id
