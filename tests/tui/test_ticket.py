"""Ticket screen: permission-filtered assign choices, take, note, resolve, reject, conflicts."""

from __future__ import annotations

from sqlmodel import select
from textual.widgets import TextArea

from iticket.core.db import Database
from iticket.core.i18n import _
from iticket.core.models import Actor, Note, OutboundMessage, Status
from iticket.core.services import tickets
from iticket.tui.screens.ticket_screen import TicketScreen
from iticket.tui.widgets.modals import ChoicePrompt, TextPrompt

from .conftest import file_ticket, notifications, screen_text, settle, sign_in


async def _open(pilot, actor: Actor, ticket_id: int) -> TicketScreen:  # type: ignore[no-untyped-def]
    sign_in(pilot.app, actor)
    await settle(pilot)
    pilot.app.open_ticket(ticket_id)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, TicketScreen) and screen.detail is not None
    return screen


def _status(db: Database, tid: int, actor: Actor) -> Status:
    return tickets.get_ticket(db, tid, actor=actor).status


async def test_view_shows_the_requester_data(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    tid = file_ticket(db, actors["wspbot"], name="Marta Suárez", sector="Farmacia",
                      detail="No anda el lector de códigos", phone="5491155550000")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, actors["ana"], tid)
        text = screen_text(app)
        for expected in ("Marta Suárez", "Farmacia", "1234", "+5491155550000", "No anda el lector de códigos"):
            assert expected in text


async def test_attachment_captions_are_shown_literally(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    """A caption typed on WhatsApp is text, never Rich markup ("[/]" alone is invalid markup)."""
    tid = tickets.create_ticket(
        db, actor=actors["wspbot"], name="Marta Suárez", sector="Farmacia", extension="1234",
        phone="5491155550000", detail="Foto del error",
        attachments=[tickets.NewAttachment(media_id="m1", media_type="image", caption="pantalla [/] [rota]")],
    ).id
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _open(pilot, actors["ana"], tid)
        assert "pantalla [/] [rota]" in screen_text(app)


async def test_agent_is_offered_only_own_unit_users(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    tid = file_ticket(db, actors["wspbot"])
    tickets.route(db, tid, to_unit="soporte", actor=actors["helpdesk"])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _open(pilot, actors["sofia"], tid)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        values = app.screen._values
        assert ("user", "diego") in values and ("user", "sofia") in values and ("user", "soporte") in values
        assert all(kind == "user" for kind, _v in values)  # no routing to other units
        assert not {"ana", "dario", "sergio", "helpdesk"} & {v for _k, v in values}
        # pick diego
        index = values.index(("user", "diego"))
        for _step in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
    detail = tickets.get_ticket(db, tid, actor=actors["sofia"])
    assert (detail.assignee, detail.status) == ("diego", Status.IN_PROGRESS)


async def test_admin_is_offered_every_unit_and_routing(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    tid = file_ticket(db, actors["wspbot"])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _open(pilot, actors["helpdesk"], tid)
        await pilot.press("a")
        await settle(pilot)
        values = app.screen._values
        assert {("user", "ana"), ("user", "sofia"), ("user", "dario"), ("user", "sergio")} <= set(values)
        assert {("unit", "soporte"), ("unit", "desarrollo"), ("unit", "seguridad")} <= set(values)
        index = values.index(("unit", "desarrollo"))
        app.screen.query_one("OptionList").highlighted = index
        await pilot.press("enter")
        await settle(pilot)
    t = tickets.get_ticket(db, tid, actor=actors["helpdesk"])
    assert (t.unit, t.assignee, t.status) == ("desarrollo", None, Status.PENDING)


async def test_take_and_unassign(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    tid = file_ticket(db, actors["wspbot"])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, actors["ana"], tid)
        await pilot.press("t")
        await settle(pilot)
        assert tickets.get_ticket(db, tid, actor=actors["ana"]).assignee == "ana"
        assert screen.ticket is not None and screen.ticket.assignee == "ana"  # reloaded
        await pilot.press("u")
        await settle(pilot)
        assert tickets.get_ticket(db, tid, actor=actors["ana"]).assignee is None


async def test_private_note_is_saved_labelled_and_never_sent(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    tid = file_ticket(db, actors["wspbot"])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, actors["ana"], tid)
        await pilot.press("n", *"Cable flojo en la boca 12")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert screen.query_one("#note", TextArea).text == ""
        text = screen_text(app)
        assert _("PRIVATE NOTE") in text and "Cable flojo en la boca 12" in text
    with db.read() as session:
        notes = session.exec(select(Note)).all()
        bodies = [m.body for m in session.exec(select(OutboundMessage)).all()]
    assert [(n.ticket_id, n.text) for n in notes] == [(tid, "Cable flojo en la boca 12")]
    assert not any("Cable flojo" in b for b in bodies)


async def test_resolve_with_a_message_queues_the_notification(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    tid = file_ticket(db, actors["wspbot"])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, actors["ana"], tid)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)
        await pilot.press(*"Ya quedó funcionando", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
    t = tickets.get_ticket(db, tid, actor=actors["ana"])
    assert (t.status, t.resolution_message) == (Status.RESOLVED, "Ya quedó funcionando")
    with db.read() as session:
        queued = session.exec(select(OutboundMessage).where(OutboundMessage.ticket_id == tid,
                                                            OutboundMessage.purpose == "ticket_resolved")).all()
    assert len(queued) == 1 and queued[0].state == "queued"
    assert "Ya quedó funcionando" in queued[0].body


async def test_reject_without_a_reason_is_refused(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    tid = file_ticket(db, actors["wspbot"])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _open(pilot, actors["ana"], tid)
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TextPrompt)  # still asking
        assert _("This cannot be empty.") in screen_text(app)
        assert _status(db, tid, actors["ana"]) == Status.PENDING
        await pilot.press(*"No corresponde a Sistemas", "ctrl+s")
        await settle(pilot)
    t = tickets.get_ticket(db, tid, actor=actors["ana"])
    assert (t.status, t.resolution_message) == (Status.REJECTED, "No corresponde a Sistemas")


async def test_stale_version_conflict_is_shown_reloaded_and_text_kept(make_app, db: Database,
                                                                     actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    tid = file_ticket(db, actors["wspbot"])
    app = make_app()
    # No live refresh here: a poll landing between the other session's change and the key press
    # would reload the ticket first (correctly) and leave no conflict to show.
    app._poll_seconds = 3600
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, actors["ana"], tid)
        assert screen.ticket is not None and screen.ticket.version == 1
        # someone else assigns it meanwhile (another session, not through this screen)
        tickets.assign(db, tid, to_user="helpdesk", actor=actors["helpdesk"])
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"Solucionado", "ctrl+s")
        await settle(pilot)
        assert any(_("The ticket was reloaded.") in n for n in notifications(app))
        assert _status(db, tid, actors["ana"]) == Status.IN_PROGRESS  # nothing overwritten
        assert screen.ticket is not None and screen.ticket.assignee == "helpdesk"  # reloaded
        await pilot.press("r")  # the message typed before is offered again
        await settle(pilot)
        assert app.screen.query_one(TextArea).text == "Solucionado"
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert _status(db, tid, actors["ana"]) == Status.RESOLVED


async def test_actions_follow_the_status(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    tid = file_ticket(db, actors["wspbot"])
    tickets.resolve(db, tid, actor=actors["helpdesk"], message=None)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, actors["ana"], tid)
        assert screen.check_action("resolve", ()) is False and screen.check_action("take", ()) is False
        assert screen.check_action("reopen", ()) is True
        await pilot.press("r")  # not offered: nothing happens
        await settle(pilot)
        assert isinstance(app.screen, TicketScreen)
        await pilot.press("o")
        await settle(pilot)
    assert _status(db, tid, actors["ana"]) == Status.PENDING


async def test_leaving_with_an_unsaved_note_asks_first(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    tid = file_ticket(db, actors["wspbot"])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, actors["ana"], tid)
        await pilot.press("n", *"a medio escribir", "escape")
        await settle(pilot)
        assert app.screen is not screen  # the confirmation, not gone
        await pilot.press("escape")  # cancel: back on the ticket with the text
        await settle(pilot)
        assert app.screen is screen and screen.query_one("#note", TextArea).text == "a medio escribir"


async def test_people_named_like_markup_are_listed_literally(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    """A full name "Roto [/]" crashed the assign dialog for everyone (MarkupError)."""
    from iticket.core.services import users as user_svc

    user_svc.add_user(db, "roto", full_name="Roto [/]", actor=actors["helpdesk"], password="clave-segura-1")
    user_svc.add_user(db, "juan", full_name="[red]Juan[/]", actor=actors["helpdesk"], password="clave-segura-2")
    tid = file_ticket(db, actors["wspbot"])
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _open(pilot, actors["helpdesk"], tid)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ChoicePrompt)
        text = screen_text(app)
        assert "Roto [/]" in text and "[red]Juan[/]" in text


async def test_every_way_out_asks_before_dropping_an_unsaved_note(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    from iticket.tui.widgets.modals import Confirm

    tid = file_ticket(db, actors["wspbot"])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, actors["ana"], tid)
        await pilot.press("n", *"texto importante")
        for key in ("f2", "f3", "ctrl+q"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, Confirm), key
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is screen and screen.query_one("#note", TextArea).text == "texto importante"
        await pilot.press("f2")
        await settle(pilot)
        await pilot.click("#yes")  # Discard: now F2 goes where it was asked to
        await settle(pilot)
        from iticket.tui.screens.dashboard_screen import DashboardScreen

        assert isinstance(app.screen, DashboardScreen)


async def test_cancelling_drops_the_kept_text_and_a_kept_text_continues_at_its_end(make_app, db: Database,
                                                                                   actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    """After a conflict the text was kept with the cursor at its start: typing more glued the new
    words in front ("Listo okSe cambió…") and that went to the requester."""
    tid = file_ticket(db, actors["wspbot"])
    app = make_app()
    app._poll_seconds = 3600
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, actors["ana"], tid)
        tickets.assign(db, tid, to_user="helpdesk", actor=actors["helpdesk"])
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*"Se cambió el tóner", "ctrl+s")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        await pilot.press(*", pruebe")
        assert app.screen.query_one(TextArea).text == "Se cambió el tóner, pruebe"
        await pilot.press("escape")  # cancelled: the kept text goes
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.query_one(TextArea).text == ""
        await pilot.press("escape")
        await settle(pilot)
        assert screen.drafts == {}


async def test_take_is_offered_only_on_unassigned_tickets(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    tid = file_ticket(db, actors["wspbot"])
    tickets.assign(db, tid, to_user="ana", actor=actors["helpdesk"])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, actors["helpdesk"], tid)
        assert screen.check_action("take", ()) is False and screen.check_action("assign", ()) is True


async def test_a_busy_database_never_saves_a_note_twice(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+S pressed three times while another process held the write lock saved three notes."""
    import sqlite3
    import threading

    if db.dialect != "sqlite":
        import pytest

        pytest.skip("holds SQLite's write lock")
    tid = file_ticket(db, actors["wspbot"])
    path = db.engine.url.database
    assert path
    locker = sqlite3.connect(path, timeout=30, check_same_thread=False)
    locker.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.5, locker.rollback)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, actors["ana"], tid)
        await pilot.press("n", *"nota doble")
        release.start()
        await pilot.press("ctrl+s", "ctrl+s", "ctrl+s", *"XYZ")
        assert screen.query_one("#note", TextArea).read_only  # frozen while it saves
        await settle(pilot, timeout=30)
        assert screen.query_one("#note", TextArea).text == ""
    release.join()
    locker.close()
    with db.read() as s:
        assert [n.text for n in s.exec(select(Note).where(Note.ticket_id == tid)).all()] == ["nota doble"]


async def test_a_ticket_moved_out_of_reach_says_so_and_keeps_the_note(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    tid = file_ticket(db, actors["wspbot"])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _open(pilot, actors["ana"], tid)
        await pilot.press("n", *"a medias")
        tickets.route(db, tid, to_unit="soporte", actor=actors["helpdesk"])
        screen.reload()
        await settle(pilot)
        assert screen.detail is None and all(screen.check_action(a, ()) is False for a in ("take", "resolve"))
        assert "Escape" in str(screen.query_one("#headline").render())
        assert screen.query_one("#note", TextArea).text == "a medias"
