"""Stats (numbers follow the date range; admins only) and Users (add, deactivate, reset)."""

from __future__ import annotations

from datetime import timedelta

from textual.widgets import DataTable, Input, Select

from iticket.core.db import Database
from iticket.core.models import Actor, Role
from iticket.core.services import tickets, users
from iticket.core.timeutil import clock, utcnow
from iticket.tui.screens.dashboard_screen import DashboardScreen
from iticket.tui.screens.stats_screen import StatsScreen
from iticket.tui.screens.users_screen import UsersScreen
from iticket.tui.widgets.modals import Confirm, Message
from iticket.tui.widgets.user_form import UserForm

from .conftest import file_ticket, settle, sign_in


def _units_table(app) -> dict[str, tuple[int, int]]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#units", DataTable)
    rows = {}
    for i in range(table.row_count):
        name, resolved, rejected, _open = (str(c) for c in table.get_row_at(i))
        rows[name] = (int(resolved), int(rejected))
    return rows


async def test_stats_numbers_change_with_the_date_range(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    bot, hd, sofia = actors["wspbot"], actors["helpdesk"], actors["sofia"]
    long_ago = utcnow() - timedelta(days=20)
    with clock(lambda: long_ago):  # history: two resolved and one rejected twenty days ago
        old = [file_ticket(db, bot) for _ in range(3)]
        tickets.resolve(db, old[0], actor=hd, message="ok")
        tickets.resolve(db, old[1], actor=hd, message="ok")
        tickets.reject(db, old[2], actor=hd, reason="no")
    today = file_ticket(db, bot)  # and one resolved by Soporte today
    tickets.assign(db, today, to_user="sofia", actor=hd)
    tickets.resolve(db, today, actor=sofia, message="ok")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        sign_in(app, hd)
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, StatsScreen)
        preset = app.screen.query_one("#preset", Select)
        assert _units_table(app)["HelpDesk"] == (2, 1) and _units_table(app)["Soporte Técnico"] == (1, 0)  # 30 days
        preset.value = "today"
        await settle(pilot)
        assert _units_table(app)["HelpDesk"] == (0, 0) and _units_table(app)["Soporte Técnico"] == (1, 0)
        assert app.screen.report is not None and app.screen.report.totals.resolved == 1
        preset.value = "7d"
        await settle(pilot)
        assert app.screen.report.totals.resolved == 1
        preset.value = "all"
        await settle(pilot)
        assert (app.screen.report.totals.resolved, app.screen.report.totals.rejected) == (3, 1)
        users_table = app.screen.query_one("#users", DataTable)
        per_user = {str(users_table.get_row_at(i)[0]): str(users_table.get_row_at(i)[2]) for i in range(users_table.row_count)}
        assert per_user == {"helpdesk": "2", "sofia": "1"}
        preset.value = "custom"
        await settle(pilot)
        day = long_ago.astimezone().date().isoformat()
        app.screen.query_one("#from", Input).value = day
        app.screen.query_one("#to", Input).value = day
        await pilot.press("enter")
        await settle(pilot)
        assert (app.screen.report.totals.resolved, app.screen.report.totals.rejected) == (2, 1)


async def test_agents_have_no_stats_or_users_screen(make_app, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        sign_in(app, actors["ana"])
        await settle(pilot)
        for key in ("f4", "f5"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, DashboardScreen)


async def test_admin_adds_deactivates_and_resets_users_of_own_unit(make_app, db: Database,
                                                                   actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    hd = actors["helpdesk"]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        sign_in(app, hd)
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, UsersScreen)
        listed = {u.username for u in app.screen._rows}
        assert listed == {"helpdesk", "ana"}  # own unit only
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, UserForm)
        await pilot.press(*"lucia", "enter", *"Lucía Torres", "enter")
        await settle(pilot)
        assert isinstance(app.screen, Message)  # the temporary password, shown once
        await pilot.press("escape")
        await settle(pilot)
        created = users.get_user(db, "lucia", actor=hd)
        assert (created.unit, created.role, created.must_change_password) == ("helpdesk", Role.AGENT, True)

        screen = app.screen
        row = [u.username for u in screen._rows].index("ana")
        screen.query_one("#users", DataTable).move_cursor(row=row)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        app.screen.dismiss(True)
        await settle(pilot)
        assert isinstance(app.screen, Message)
        await pilot.press("escape")
        await settle(pilot)
        assert users.get_user(db, "ana", actor=hd).must_change_password

        screen.query_one("#users", DataTable).move_cursor(row=row)
        await pilot.press("d")
        await settle(pilot)
        app.screen.dismiss(True)
        await settle(pilot)
        assert not users.get_user(db, "ana", actor=hd).active
