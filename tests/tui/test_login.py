"""Login screen: wrong password, lockout, forced password change, normal sign-in."""

from __future__ import annotations

import pytest

from iticket.core.db import Database
from iticket.core.i18n import _
from iticket.core.services import auth
from iticket.tui.screens.dashboard_screen import DashboardScreen
from iticket.tui.screens.login_screen import LoginScreen
from iticket.tui.screens.password_screen import PasswordScreen

from .conftest import screen_text, settle


async def _login(pilot, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    pilot.app.screen.query_one("#username").value = ""
    pilot.app.screen.query_one("#username").focus()
    await pilot.pause()
    await pilot.press(*username, "enter", *password, "enter")
    await settle(pilot)


async def test_wrong_password_is_refused_with_the_core_message(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _login(pilot, "ana", "not-her-password")
        assert isinstance(app.screen, LoginScreen)
        assert _("Wrong username or password.") in screen_text(app)
        assert app.screen.query_one("#password").value == ""  # cleared for the next try
        assert app.actor is None


async def test_five_failures_lock_the_account_and_say_so(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for _attempt in range(5):
            await _login(pilot, "ana", "wrong-password")
        text = screen_text(app)
        assert _("Too many failed attempts: the account is locked for {n} more minutes.").format(n=15) in text
        # even the right password is refused while locked
        await _login(pilot, "ana", "ana-secreta-1")
        assert isinstance(app.screen, LoginScreen)


async def test_agent_lands_on_the_dashboard(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _login(pilot, "ana", "ana-secreta-1")
        assert isinstance(app.screen, DashboardScreen)
        assert app.actor is not None and app.actor.username == "ana"


async def test_seeded_default_password_must_be_changed_first(make_app, db: Database) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _login(pilot, "helpdesk", "helpdesk")
        assert isinstance(app.screen, PasswordScreen)
        # nowhere else to go until it is changed
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, PasswordScreen)
        # a mismatch is refused in place
        await pilot.press(*"helpdesk", "enter", *"nueva-clave-1", "enter", *"otra-cosa-22", "enter")
        await settle(pilot)
        assert _("The new passwords do not match.") in screen_text(app)
        for field in ("#current", "#new", "#repeat"):
            app.screen.query_one(field).value = ""
        app.screen.query_one("#current").focus()
        await pilot.pause()
        await pilot.press(*"helpdesk", "enter", *"nueva-clave-1", "enter", *"nueva-clave-1", "enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
    actor = auth.authenticate(db, "helpdesk", "nueva-clave-1")
    assert not actor.must_change_password


async def test_log_out_returns_to_the_login_screen(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await _login(pilot, "ana", "ana-secreta-1")
        app.sign_out()
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen) and app.actor is None
        await pilot.press("f3")  # nothing to navigate to while signed out
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)


@pytest.mark.parametrize("yields", [0, 1, 3])
async def test_a_burst_of_keys_lands_in_the_right_fields(make_app, yields: int) -> None:  # type: ignore[no-untyped-def]
    """Over SSH "ana⏎secret⏎" arrives in one read or a few: the terminal driver posts keys
    faster than the fields handle them. The Enter after the username must split the two fields
    exactly, and the password must arrive in order (``yields`` lets the fields run between
    keys, as when a burst arrives in pieces)."""
    import asyncio

    from textual import events

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for char in "ana\rana-secreta-1\r":
            key = "enter" if char == "\r" else ("minus" if char == "-" else char)
            app.post_message(events.Key(key, char))
            for _ in range(yields):
                await asyncio.sleep(0)
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen), screen_text(app)
        assert app.actor is not None and app.actor.username == "ana"
