"""The "add user" dialog: username, full name and role. Returns a ``NewUser`` (or ``None``);
validation is the core's (``users.add_user``), so the rules live in one place."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from iticket.core.i18n import _
from iticket.core.models import Role


@dataclass(frozen=True)
class NewUser:
    username: str
    full_name: str
    role: Role


class UserForm(ModalScreen[NewUser | None]):
    DEFAULT_CSS = """
    UserForm { align: center middle; }
    UserForm > Vertical { width: 60; max-width: 100%; height: auto; border: thick $primary;
                          background: $surface; padding: 0 1; }
    UserForm .title { text-style: bold; }
    UserForm Horizontal { height: auto; align-horizontal: right; }
    UserForm Horizontal Button { margin-left: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", _("Cancel"), id="cancel")]

    def __init__(self, initial: NewUser | None = None) -> None:
        super().__init__()
        self._initial = initial

    def compose(self) -> ComposeResult:
        init = self._initial
        with Vertical():
            yield Label(_("New user (a temporary password is generated)"), classes="title")
            yield Label(_("Username"))
            yield Input(init.username if init else "", id="username")
            yield Label(_("Full name"))
            yield Input(init.full_name if init else "", id="full-name")
            yield Select([(_("agent"), Role.AGENT), (_("admin"), Role.ADMIN)],
                         value=init.role if init else Role.AGENT, allow_blank=False, id="role")
            with Horizontal():
                yield Button(_("Cancel"), id="cancel")
                yield Button(_("Create"), id="create", variant="primary")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "username":
            self.query_one("#full-name", Input).focus()
        else:
            self._create()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "create":
            self._create()
        else:
            self.dismiss(None)

    def _create(self) -> None:
        self.dismiss(NewUser(
            username=self.query_one("#username", Input).value.strip(),
            full_name=self.query_one("#full-name", Input).value.strip(),
            role=Role(self.query_one("#role", Select).value),
        ))

    def action_cancel(self) -> None:
        self.dismiss(None)
