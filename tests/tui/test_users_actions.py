"""Users screen: reactivate an inactive user (key shown only for one), and 'd' says why not
before asking when it cannot apply (already inactive, oneself)."""

from __future__ import annotations

from textual.widgets import DataTable

from iticket.core.db import Database
from iticket.core.i18n import _
from iticket.core.models import Actor
from iticket.core.services import users
from iticket.tui.screens.users_screen import UsersScreen
from iticket.tui.widgets.modals import Confirm

from .conftest import notifications, settle, sign_in


async def _users_screen(pilot, actor: Actor) -> UsersScreen:  # type: ignore[no-untyped-def]
    sign_in(pilot.app, actor)
    await settle(pilot)
    await pilot.press("f5")
    await settle(pilot)
    assert isinstance(pilot.app.screen, UsersScreen)
    return pilot.app.screen


async def _select(pilot, screen: UsersScreen, username: str) -> None:  # type: ignore[no-untyped-def]
    screen.query_one("#users", DataTable).move_cursor(row=[u.username for u in screen._rows].index(username))
    await pilot.pause()


def _footer_keys(screen: UsersScreen) -> set[str]:
    return {b.binding.action for b in screen.active_bindings.values() if b.binding.show}


async def test_an_inactive_user_is_reactivated_with_its_key(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    hd = actors["helpdesk"]
    users.deactivate_user(db, "ana", actor=hd)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _users_screen(pilot, hd)
        await _select(pilot, screen, "helpdesk")
        assert "activate" not in _footer_keys(screen)  # active: nothing to reactivate
        await _select(pilot, screen, "ana")
        assert "activate" in _footer_keys(screen)
        await pilot.press("r")
        await settle(pilot)
        assert users.get_user(db, "ana", actor=hd).active
        assert _("{name} reactivated; they sign in again with their password.").format(name="ana") \
            in notifications(app)
        await _select(pilot, screen, "ana")
        assert "activate" not in _footer_keys(screen)


async def test_d_on_an_inactive_user_says_so(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    hd = actors["helpdesk"]
    users.deactivate_user(db, "ana", actor=hd)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _users_screen(pilot, hd)
        await _select(pilot, screen, "ana")
        await pilot.press("d")
        await settle(pilot)
        assert not isinstance(app.screen, Confirm)
        assert _("User '{name}' is already inactive.").format(name="ana") in notifications(app)


async def test_d_on_oneself_refuses_before_asking(make_app, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _users_screen(pilot, actors["helpdesk"])
        await _select(pilot, screen, "helpdesk")
        await pilot.press("d")
        await settle(pilot)
        assert not isinstance(app.screen, Confirm)
        assert _("You cannot deactivate your own account.") in notifications(app)


async def test_p_on_an_inactive_user_says_to_reactivate_first(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    hd = actors["helpdesk"]
    users.deactivate_user(db, "ana", actor=hd)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await _users_screen(pilot, hd)
        await _select(pilot, screen, "ana")
        await pilot.press("p")
        await settle(pilot)
        assert not isinstance(app.screen, Confirm)
        assert _("User '{name}' is inactive: reactivate the account first.").format(name="ana") \
            in notifications(app)
