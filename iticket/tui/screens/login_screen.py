"""Login: username and password, with the wrong-password and lockout messages of the core.

The check (argon2, lockout bookkeeping) runs in a worker; the message shown is exactly the one
the core raised, so the CLI and the TUI say the same thing. ``hint`` shows demo credentials.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.widgets import Button, Footer, Input, Label, Static

from iticket.core.errors import NotAuthenticated
from iticket.core.i18n import _
from iticket.core.models import Actor, UnitPublic
from iticket.core.services import auth, users
from iticket.tui.screens.base import DataScreen
from iticket.tui.widgets.fields import FormInput


class LoginScreen(DataScreen):
    CSS_PATH = "login_screen.tcss"
    AUTO_FOCUS = "#username"

    def __init__(self, *, hint: str = "", message: str = "") -> None:
        super().__init__()
        self._hint = hint
        self._message = message  # why the previous session ended, if it was ended

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="box"):
            yield Label("iTicket", id="brand")
            yield Static(_("Hospital IT helpdesk — staff sign-in"), classes="muted")
            yield Label(_("Username"))
            yield FormInput(id="username", placeholder=_("username"), next_field="password", compact=True)
            yield Label(_("Password"))
            yield Input(id="password", password=True, placeholder=_("password"), compact=True)
            yield Static(self._message, id="error", markup=False)
            yield Button(_("Log in"), id="login", variant="primary", compact=True)
            if self._hint:
                yield Static(self._hint, id="hint")
        yield Footer(compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._submit()

    def _submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username or not password:
            self._fail(_("Enter your username and password."))
            return
        self.query_one("#login", Button).disabled = True
        self.query_one("#error", Static).update(_("Checking…"))
        db = self.itapp.db

        def check() -> tuple[Actor, str, list[UnitPublic]]:
            actor = auth.authenticate(db, username, password)
            return actor, auth.session_stamp(db, actor), users.list_units(db)

        self.run_db(check, self._ok, group="login", on_error=self._error)

    def _ok(self, result: tuple[Actor, str, list[UnitPublic]]) -> None:
        actor, stamp, units = result
        self.itapp.units = units
        self.itapp.signed_in(actor, stamp)

    def _error(self, error: BaseException) -> None:
        if isinstance(error, NotAuthenticated):
            self._fail(error.message)
        else:
            self.query_one("#login", Button).disabled = False
            self.show_error(error)

    def _fail(self, message: str) -> None:
        self.query_one("#error", Static).update(message)
        self.query_one("#login", Button).disabled = False
        password = self.query_one("#password", Input)
        password.value = ""
        if self.query_one("#username", Input).value.strip():
            password.focus()
