"""One snapshot per main screen at 80×24 (pytest-textual-snapshot works with the pinned Textual).

The clock, the time zone and the data are pinned, so the pictures only change when the screens
do. Update deliberately with ``uv run pytest tests/tui/test_snapshots.py --snapshot-update``
and look at the report. The pictures are in Spanish (the default language).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from iticket.core.db import Database
from iticket.core.models import Actor, Role, User
from iticket.core.seed import seed
from iticket.core.services import tasks, tickets, users
from iticket.core.services._common import actor_of
from iticket.core.timeutil import clock
from iticket.tui import format as tui_format
from iticket.tui.app import ITicketApp, create_app

from .conftest import file_ticket, settle, sign_in

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
SIZE = (80, 24)

pytestmark = pytest.mark.skipif(
    os.environ.get("ITICKET_LANG", "es").strip().lower() not in ("", "es"),
    reason="the snapshots are of the default (Spanish) interface",
)


@pytest.fixture(scope="module")
def snap_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database whose every row, accounts included, carries a pinned time (the shared template
    is stamped whenever a worker happens to build it, which would show in the activity list)."""
    path = tmp_path_factory.mktemp("snap") / "snap.db"
    with clock(lambda: NOW - timedelta(days=30)):
        database = Database(f"sqlite:///{path}")
        seed(database)
        with database.read() as session:
            admins = {u.unit_code: actor_of(u) for u in session.exec(select(User)).all() if u.role == Role.ADMIN}
        users.add_user(database, "ana", full_name="Ana Gómez", actor=admins["helpdesk"], unit="helpdesk",
                       password="ana-secreta-1")
        users.add_user(database, "sofia", full_name="Sofía Ruiz", actor=admins["soporte"], unit="soporte",
                       password="sofia-secreta-1")
        database.dispose()
    return path


@pytest.fixture
def db(snap_template: Path, tmp_path: Path) -> Iterator[Database]:
    target = tmp_path / "snap.db"
    shutil.copyfile(snap_template, target)
    database = Database(f"sqlite:///{target}")
    yield database
    database.dispose()


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    with db.read() as session:
        return {u.username: actor_of(u) for u in session.exec(select(User)).all()}


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ITICKET_TIMEZONE", "America/Argentina/Buenos_Aires")
    tui_format.zone.cache_clear()
    with clock(lambda: NOW):
        yield
    tui_format.zone.cache_clear()


@pytest.fixture
def history(frozen: None, db: Database, actors: dict[str, Actor]) -> dict[str, int]:
    bot, hd, sofia = actors["wspbot"], actors["helpdesk"], actors["sofia"]
    ids: dict[str, int] = {}
    with clock(lambda: NOW - timedelta(days=3)):
        ids["old"] = file_ticket(db, bot, name="Marta Suárez", sector="Farmacia",
                                 detail="La impresora del office no imprime")
        tickets.assign(db, ids["old"], to_user="sofia", actor=hd)
    with clock(lambda: NOW - timedelta(hours=5)):
        ids["done"] = file_ticket(db, bot, name="Juan Díaz", sector="Guardia",
                                  detail="Sin conexión a internet en el box 3")
        tickets.resolve(db, ids["done"], actor=hd, message="Se reinició el switch")
    with clock(lambda: NOW - timedelta(minutes=40)):
        ids["new"] = file_ticket(db, bot, name="Lucía Romero", sector="Laboratorio",
                                 detail="No puedo entrar al sistema de resultados")
        tickets.add_note(db, ids["old"], "Falta repuesto, pedido a compras", actor=sofia)
        tasks.add_task(db, "Revisar backups de la noche", actor=hd, day=NOW.astimezone(tui_format.zone()).date())
    return ids


def _app(db: Database) -> ITicketApp:
    return create_app(db, login_hint="demo: helpdesk / helpdesk")


def test_login_screen(snap_compare, frozen: None, db: Database) -> None:  # type: ignore[no-untyped-def]
    async def still(pilot) -> None:  # type: ignore[no-untyped-def]
        for field in pilot.app.screen.query("Input"):
            field.cursor_blink = False  # a blinking cursor would make the picture a coin toss
        await pilot.pause()

    assert snap_compare(_app(db), terminal_size=SIZE, run_before=still)


@pytest.mark.parametrize("where", ["dashboard", "tickets", "stats", "users"])
def test_main_screens(snap_compare, history: dict[str, int], db: Database, actors: dict[str, Actor],
                      where: str) -> None:  # type: ignore[no-untyped-def]
    async def go(pilot) -> None:  # type: ignore[no-untyped-def]
        sign_in(pilot.app, actors["helpdesk"])
        await settle(pilot)
        pilot.app.action_go(where)
        await settle(pilot)

    assert snap_compare(_app(db), terminal_size=SIZE, run_before=go)


def test_ticket_screen(snap_compare, history: dict[str, int], db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    async def go(pilot) -> None:  # type: ignore[no-untyped-def]
        sign_in(pilot.app, actors["sofia"])
        await settle(pilot)
        pilot.app.open_ticket(history["old"])
        await settle(pilot)

    assert snap_compare(_app(db), terminal_size=SIZE, run_before=go)
