"""Tickets screen: status filter, search, unit scope, lazy paging, live refresh."""

from __future__ import annotations

import time

from textual.widgets import DataTable, Input, Select

from iticket.core.db import Database
from iticket.core.models import Actor
from iticket.core.services import tickets
from iticket.tui.screens.ticket_screen import TicketScreen
from iticket.tui.screens.tickets_screen import PAGE, TicketsScreen

from .conftest import file_ticket, settle, sign_in, wait_until


def _ids(app) -> list[int]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#tickets", DataTable)
    return [int(str(table.get_row_at(i)[0])) for i in range(table.row_count)]


async def _open_tickets(pilot, actor: Actor) -> None:  # type: ignore[no-untyped-def]
    sign_in(pilot.app, actor)
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    assert isinstance(pilot.app.screen, TicketsScreen)


async def test_status_filter_shows_exactly_the_matching_tickets(make_app, db: Database,
                                                                actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    bot, hd = actors["wspbot"], actors["helpdesk"]
    a, b, c, d = (file_ticket(db, bot, detail=f"Problema {i} del sector") for i in range(4))
    tickets.assign(db, b, to_user="ana", actor=hd)
    tickets.resolve(db, c, actor=hd, message="Hecho")
    tickets.reject(db, d, actor=hd, reason="Duplicado")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_tickets(pilot, hd)
        assert _ids(app) == [a, b]  # default: open, oldest first
        status = app.screen.query_one("#status", Select)
        for value, expected in (("pending", [a]), ("in_progress", [b]), ("resolved", [c]),
                                ("rejected", [d]), ("all", [a, b, c, d])):
            status.value = value
            await settle(pilot)
            assert _ids(app) == expected, value


async def test_free_text_search(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    bot = actors["wspbot"]
    printer = file_ticket(db, bot, detail="La impresora del office no imprime")
    file_ticket(db, bot, detail="No tengo internet en el consultorio", name="Juan Díaz")
    lab = file_ticket(db, bot, detail="El monitor parpadea", sector="Laboratorio")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_tickets(pilot, actors["ana"])
        await pilot.press("slash", *"impresora", "enter")
        await settle(pilot)
        assert _ids(app) == [printer]
        app.screen.query_one("#search-input", Input).value = "laboratorio"
        await wait_until(pilot, lambda: _ids(app) == [lab], what="search by sector (debounced)")
        await pilot.press("escape")  # clears the search
        await settle(pilot)
        assert len(_ids(app)) == 3


async def test_agents_see_their_unit_admins_filter_units(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    bot, hd = actors["wspbot"], actors["helpdesk"]
    mine = file_ticket(db, bot)
    theirs = file_ticket(db, bot)
    tickets.route(db, theirs, to_unit="soporte", actor=hd)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_tickets(pilot, actors["sofia"])
        assert _ids(app) == [theirs]
        assert not app.screen.query("#unit")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_tickets(pilot, hd)
        assert _ids(app) == [mine, theirs]
        app.screen.query_one("#unit", Select).value = "helpdesk"
        await settle(pilot)
        assert _ids(app) == [mine]


async def test_pages_load_lazily_as_the_cursor_nears_the_end(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    bot = actors["wspbot"]
    for i in range(PAGE + 20):
        file_ticket(db, bot, detail=f"Pedido número {i} de prueba")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_tickets(pilot, actors["ana"])
        assert len(_ids(app)) == PAGE
        app.screen.query_one("#tickets", DataTable).move_cursor(row=PAGE - 1)
        await settle(pilot)
        ids = _ids(app)
        assert len(ids) == PAGE + 20 and ids == sorted(ids)


async def test_ticket_from_another_connection_appears_within_two_seconds(make_app, db_url: str,
                                                                        actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_tickets(pilot, actors["ana"])
        assert _ids(app) == []
        other = Database(db_url)  # the bot's process, in effect: its own engine and connection
        try:
            new_id = file_ticket(other, actors["wspbot"], detail="Se cortó la red en Guardia")
            committed = time.monotonic()
        finally:
            other.dispose()
        await wait_until(pilot, lambda: _ids(app) == [new_id], timeout=2.0, what="the new ticket")
        assert time.monotonic() - committed < 2.0


async def test_enter_opens_the_ticket(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    tid = file_ticket(db, actors["wspbot"])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_tickets(pilot, actors["ana"])
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen) and app.screen.ticket_id == tid
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TicketsScreen)
