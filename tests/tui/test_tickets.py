"""Tickets screen: status filter, search, unit scope, lazy paging, live refresh."""

from __future__ import annotations

import html
import re
import time

from textual.widgets import DataTable, Input, Select

from iticket.core.db import Database
from iticket.core.models import Actor
from iticket.core.services import tickets
from iticket.tui.screens.ticket_screen import TicketScreen
from iticket.tui.screens.tickets_screen import PAGE, PAGE_MARGIN, TicketsScreen

from .conftest import file_ticket, settle, sign_in, wait_until


def _painted(app) -> str:  # type: ignore[no-untyped-def]
    """The screen's text as painted (from the SVG screenshot, one string per styled run)."""
    svg = app.export_screenshot()
    return "".join(html.unescape(run) for run in re.findall(r">([^<]*)</text>", svg)).replace("\xa0", " ")


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
        assert len(_ids(app)) == PAGE  # the first page, before the table had a size
        screen = app.screen
        assert isinstance(screen, TicketsScreen)
        table = screen.query_one("#tickets", DataTable)
        assert screen.page_size == table.scrollable_content_region.height + PAGE_MARGIN < PAGE
        table.move_cursor(row=PAGE - 1)
        await settle(pilot)
        ids = _ids(app)
        assert len(ids) == PAGE + 20 and ids == sorted(ids)


async def test_a_filter_change_loads_one_screenful_and_scrolling_loads_more(make_app, db: Database,
                                                                            actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    bot = actors["wspbot"]
    for i in range(PAGE + 20):
        file_ticket(db, bot, detail=f"Pedido número {i} de prueba")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_tickets(pilot, actors["ana"])
        screen = app.screen
        assert isinstance(screen, TicketsScreen)
        screen.query_one("#status", Select).value = "pending"
        await settle(pilot)
        page = screen.page_size
        assert _ids(app) == sorted(_ids(app)) and len(_ids(app)) == page
        table = screen.query_one("#tickets", DataTable)
        table.scroll_end(animate=False)  # the wheel or the scrollbar: the cursor stays on top
        await settle(pilot)
        assert len(_ids(app)) == min(2 * page, PAGE + 20) and table.cursor_row == 0


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


async def test_requester_text_is_shown_literally_never_as_markup(make_app, db: Database,
                                                                actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    """What a requester types on WhatsApp reaches the table as is: "[/]" once crashed the render
    (a markup closing tag with nothing to close) and "[sala 3]" vanished (read as a style)."""
    tid = file_ticket(db, actors["wspbot"], name="Ana [bold]Gómez", sector="Sala [3]",
                      detail="No anda [la impresora] [/] ni el scanner")
    app = make_app()
    async with app.run_test(size=(160, 30)) as pilot:  # wide enough for the detail column
        await _open_tickets(pilot, actors["helpdesk"])
        await pilot.pause()
        assert _ids(app) == [tid]
        row = [str(c) for c in app.screen.query_one("#tickets", DataTable).get_row_at(0)]
        assert "Ana [bold]Gómez" in row and "Sala [3]" in row
        assert any(c.startswith("No anda [la impresora] [/]") for c in row)
        painted = _painted(app)
        assert "Ana [bold]Gómez" in painted and "Sala [3]" in painted
        assert "No anda [la impresora] [/] ni el scanner" in painted


async def test_columns_fit_the_terminal_and_follow_a_resize(make_app, db: Database,
                                                             actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    bot = actors["wspbot"]
    first = file_ticket(db, bot, detail="Se cortó la red en el tercer piso del pabellón")
    for i in range(30):
        file_ticket(db, bot, detail=f"Pedido número {i} de prueba")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open_tickets(pilot, actors["helpdesk"])  # an admin: the widest set of columns
        table = app.screen.query_one("#tickets", DataTable)
        keys = [str(c.key.value) for c in table.ordered_columns]
        assert "sector" in keys and "detail" not in keys
        assert table.virtual_size.width <= table.scrollable_content_region.width  # no sideways scroll
        table.move_cursor(row=5)
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        keys = [str(c.key.value) for c in table.ordered_columns]
        assert keys[-1] == "detail" and table.virtual_size.width <= table.scrollable_content_region.width
        assert _ids(app)[0] == first and table.cursor_row == 5  # same rows, same place
        assert "Se cortó la red" in _painted(app)


def test_waiting_times_and_headers_are_never_cut() -> None:
    """'19 h 3 min' showed as '19 h 3 mi' (the column was 9 cells for an 11-cell time)."""
    from datetime import timedelta

    from rich.cells import cell_len

    from iticket.core.i18n import _
    from iticket.tui.format import duration
    from iticket.tui.screens.tickets_screen import column_widths

    for width in (78, 118, 200):
        widths = column_widths(width, with_unit=True)
        longest = max(cell_len(duration(timedelta(minutes=m))) for m in range(0, 3 * 24 * 60, 7))
        assert widths["waiting"] >= longest
        assert widths["requester"] >= cell_len(_("Requester")) and widths["sector"] >= cell_len(_("Sector"))
        assert sum(widths.values()) + 2 * len(widths) <= width
