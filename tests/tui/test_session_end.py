"""An open TUI session ends by itself when the user's password is reset or the account is
deactivated (elsewhere or by the admin themself), and guessing the current password in the
"Change password" dialog locks like a login. Own voluntary changes keep the session."""

from __future__ import annotations

from iticket.core.db import Database
from iticket.core.errors import AccountLocked
from iticket.core.i18n import _
from iticket.core.models import Actor
from iticket.core.services import auth, users
from iticket.tui.screens.dashboard_screen import DashboardScreen
from iticket.tui.screens.login_screen import LoginScreen
from iticket.tui.screens.password_screen import PasswordScreen
from iticket.tui.screens.users_screen import UsersScreen
from iticket.tui.widgets.modals import Confirm, Message

from .conftest import screen_text, settle, wait_until


async def _login(pilot, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    pilot.app.screen.query_one("#username").focus()
    await pilot.pause()
    await pilot.press(*username, "enter", *password, "enter")
    await settle(pilot)
    assert pilot.app.actor is not None, screen_text(pilot.app)


def _signed_out(app) -> bool:  # type: ignore[no-untyped-def]
    return isinstance(app.screen, LoginScreen) and app.actor is None


async def test_a_reset_elsewhere_ends_the_open_session(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _login(pilot, "ana", "ana-secreta-1")
        await pilot.press("f3")
        await settle(pilot)
        users.reset_password(db, "ana", actor=actors["helpdesk"])  # the admin, in another session
        took = await wait_until(pilot, lambda: _signed_out(app), what="sign-out after the reset")
        assert took < 3
        assert _("Your session ended: your password was reset. Sign in again.") in screen_text(app)


async def test_a_deactivation_ends_the_open_session(make_app, db: Database, actors: dict[str, Actor]) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _login(pilot, "sofia", "sofia-secreta-1")
        users.deactivate_user(db, "sofia", actor=actors["soporte"])
        await wait_until(pilot, lambda: _signed_out(app), what="sign-out after the deactivation")
        assert _("Your session ended: your account was deactivated.") in screen_text(app)


async def test_an_admin_resetting_their_own_password_is_signed_out_after_reading_it(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _login(pilot, "helpdesk", "helpdesk")
        app.screen.query_one("#current").value = "helpdesk"
        app.screen.query_one("#new").value = "mesa-de-ayuda-1"
        app.screen.query_one("#repeat").value = "mesa-de-ayuda-1"
        app.screen._save()
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UsersScreen)
        from textual.widgets import DataTable
        screen.query_one("#users", DataTable).move_cursor(
            row=[u.username for u in screen._rows].index("helpdesk"))
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        app.screen.dismiss(True)
        await settle(pilot)
        assert isinstance(app.screen, Message)  # the new password, shown once: not cut short
        await pilot.pause(1.5)
        assert isinstance(app.screen, Message) and app.actor is None
        await pilot.press("escape")
        await settle(pilot)
        assert _signed_out(app)
        assert _("Your session ended: your password was reset. Sign in again.") in screen_text(app)


async def test_an_own_password_change_keeps_the_session(make_app, db: Database) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _login(pilot, "ana", "ana-secreta-1")
        app._change_password()
        await settle(pilot)
        assert isinstance(app.screen, PasswordScreen)
        await pilot.press(*"ana-secreta-1", "enter", *"otra-clave-buena", "enter", *"otra-clave-buena", "enter")
        await settle(pilot)
        await pilot.pause(2.5)  # a couple of session checks
        assert isinstance(app.screen, DashboardScreen) and app.actor is not None
        auth.authenticate(db, "ana", "otra-clave-buena")


async def test_guessing_the_current_password_locks_and_signs_out(make_app, db: Database) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _login(pilot, "ana", "ana-secreta-1")
        app._change_password()
        await settle(pilot)
        for attempt in range(5):
            assert isinstance(app.screen, PasswordScreen), attempt
            app.screen.query_one("#current").value = f"guess-{attempt}"
            app.screen.query_one("#new").value = "otra-clave-buena"
            app.screen.query_one("#repeat").value = "otra-clave-buena"
            app.screen._save()
            await settle(pilot)
            if attempt < 4:
                assert _("The current password is wrong.") in screen_text(app)
        assert _signed_out(app)
        assert _("Too many failed attempts: the account is locked for {n} more minutes.").format(n=15) \
            in screen_text(app)
    try:
        auth.authenticate(db, "ana", "ana-secreta-1")
    except AccountLocked:
        pass
    else:
        raise AssertionError("the account is not locked")


async def test_the_forced_change_refuses_an_all_digit_password(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _login(pilot, "helpdesk", "helpdesk")
        await pilot.press(*"helpdesk", "enter", *"12345678", "enter", *"12345678", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PasswordScreen)
        assert _("The password cannot be only digits.") in screen_text(app)
