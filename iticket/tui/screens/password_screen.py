"""Change one's own password. ``forced=True`` after a seeded default or an admin reset: then it
is the only way forward (no navigation until it succeeds)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Button, Footer, Header, Input, Label, Static

from iticket.core.errors import AccountLocked, NotAuthenticated
from iticket.core.i18n import _
from iticket.core.services import auth
from iticket.tui.screens.base import DataScreen
from iticket.tui.widgets.fields import FormInput


class PasswordScreen(DataScreen):
    CSS_PATH = "password_screen.tcss"
    AUTO_FOCUS = "#current"
    BINDINGS = [Binding("escape", "back", _("Back"), id="back")]

    def __init__(self, *, forced: bool) -> None:
        super().__init__()
        self.forced = forced

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="box"):
            yield Label(_("Change your password"), classes="section-title")
            if self.forced:
                yield Static(
                    _("Your password is a default or was reset by an admin. Choose a new one to continue."),
                    id="why",
                )
            yield Label(_("Current password"))
            yield FormInput(id="current", password=True, next_field="new")
            yield Label(_("New password (at least 8 characters)"))
            yield FormInput(id="new", password=True, next_field="repeat")
            yield Label(_("Repeat the new password"))
            yield Input(id="repeat", password=True)
            yield Static("", id="error")
            yield Button(_("Change password"), id="save", variant="primary")
        yield Footer(compact=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back":
            return not self.forced
        return True

    def action_back(self) -> None:
        if not self.forced:
            self.app.pop_screen()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self._save()

    def _save(self) -> None:
        current = self.query_one("#current", Input).value
        new = self.query_one("#new", Input).value
        if new != self.query_one("#repeat", Input).value:
            self.query_one("#error", Static).update(_("The new passwords do not match."))
            return
        actor = self.itapp.actor
        assert actor is not None
        db = self.itapp.db
        # The password is about to change on purpose: the session check must not end this session.
        self.itapp.changing_password = True
        self.run_db(lambda: auth.change_own_password(db, actor=actor, current=current, new=new),
                    self._done, group="save", on_error=self._error)

    def _error(self, error: BaseException) -> None:
        self.itapp.changing_password = False
        message = getattr(error, "message", str(error))
        if isinstance(error, AccountLocked):
            # Too many wrong current passwords: locked like a login, and this session ends.
            self.itapp.sign_out(message)
            return
        self.query_one("#error", Static).update(message)
        if isinstance(error, NotAuthenticated):  # the current password was wrong: try it again
            current = self.query_one("#current", Input)
            current.value = ""
            current.focus()

    def _done(self, stamp: str) -> None:
        actor = self.itapp.actor
        assert actor is not None
        self.itapp.session_stamp = stamp
        self.itapp.changing_password = False
        self.notify(_("Password changed."))
        if self.forced:
            self.itapp.signed_in(actor.model_copy(update={"must_change_password": False}), stamp)
        else:
            self.app.pop_screen()
