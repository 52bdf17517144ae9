"""Dashboard: counts equal the database, unit switching for admins, the tasks board."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select
from textual.widgets import DataTable, Input, Select, Static

from iticket.core.db import Database
from iticket.core.models import Actor, Status, Task, Ticket
from iticket.core.services import tickets
from iticket.tui.screens.dashboard_screen import DashboardScreen

from .conftest import file_ticket, settle, sign_in


def _db_counts(db: Database, unit: str | None) -> dict[str, int]:
    with db.read() as session:
        query = select(Ticket.status, func.count()).group_by(Ticket.status)
        if unit:
            query = query.where(Ticket.unit_code == unit)
        return dict(session.exec(query).all())


def _shown(app) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {s.value: int(str(app.screen.query_one(f"#count-{s.value}", Static).render()))
            for s in (Status.PENDING, Status.IN_PROGRESS, Status.RESOLVED)}


async def test_counts_equal_the_database_and_follow_the_unit(make_app, db: Database,
                                                             actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    bot, hd = actors["wspbot"], actors["helpdesk"]
    ids = [file_ticket(db, bot, detail=f"Problema número {i}") for i in range(7)]
    tickets.assign(db, ids[0], to_user="ana", actor=hd)
    tickets.assign(db, ids[1], to_user="sofia", actor=hd)
    tickets.assign(db, ids[2], to_user="sofia", actor=hd)
    tickets.resolve(db, ids[2], actor=actors["sofia"], message="Listo")
    tickets.resolve(db, ids[3], actor=hd, message="Listo")
    tickets.reject(db, ids[4], actor=hd, reason="No corresponde")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        sign_in(app, hd)
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        expected = _db_counts(db, "helpdesk")
        assert _shown(app) == {s: expected.get(s, 0) for s in ("pending", "in_progress", "resolved")}
        assert _shown(app) == {"pending": 2, "in_progress": 1, "resolved": 1}

        app.screen.query_one("#unit", Select).value = "soporte"
        await settle(pilot)
        assert _shown(app) == {"pending": 0, "in_progress": 1, "resolved": 1}

        app.screen.query_one("#unit", Select).value = "all"
        await settle(pilot)
        everything = _db_counts(db, None)
        assert _shown(app) == {s: everything.get(s, 0) for s in ("pending", "in_progress", "resolved")}


async def test_agent_sees_own_unit_without_a_switch(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    file_ticket(db, actors["wspbot"])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        sign_in(app, actors["sofia"])
        await settle(pilot)
        assert not app.screen.query("#unit")  # no unit selector for agents
        assert _shown(app) == {"pending": 0, "in_progress": 0, "resolved": 0}  # the ticket is HelpDesk's


async def test_recent_activity_shows_who_assigned_what(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    tid = file_ticket(db, actors["wspbot"])
    tickets.assign(db, tid, to_user="ana", actor=actors["helpdesk"])
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        sign_in(app, actors["ana"])
        await settle(pilot)
        table = app.screen.query_one("#activity", DataTable)
        rows = [" ".join(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
        assert any("helpdesk" in r and f"#{tid}" in r and "ana" in r for r in rows)


async def test_add_a_task_mark_it_done_and_move_between_days(make_app, db: Database,
                                                             actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        sign_in(app, actors["ana"])
        await settle(pilot)
        screen = app.screen
        today = screen.day
        await pilot.press("n")
        await pilot.press(*"Revisar backups", "enter")
        await settle(pilot)
        with db.read() as session:
            task = session.exec(select(Task)).one()
        assert (task.text, task.day, task.unit_code, task.done_at) == ("Revisar backups", today, "helpdesk", None)
        assert screen.query_one("#task-input", Input).value == ""

        screen.query_one("#tasks", DataTable).focus()
        await pilot.press("space")
        await settle(pilot)
        with db.read() as session:
            assert session.get(Task, task.id).done_at is not None

        await pilot.press("right_square_bracket")  # tomorrow's board: empty, tasks can be added
        await settle(pilot)
        assert screen.day == today + timedelta(days=1)
        assert len(screen._tasks) == 0
        await pilot.press("n", *"Cambiar toner", "enter")
        await settle(pilot)
        with db.read() as session:
            days = sorted(t.day for t in session.exec(select(Task)).all())
        assert days == [today, today + timedelta(days=1)]
