"""Users (admins, own unit only): list, add, deactivate, reactivate, reset password.

Admins manage only their own unit's users (the policy); the list shows inactive users too, dim.
A generated password is shown once in a dialog and must be changed at the user's next login.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Label, Static

from iticket.core.i18n import _
from iticket.core.models import Role, UserPublic
from iticket.core.services import users
from iticket.tui.screens.base import CELL_PADDING, DataScreen
from iticket.tui.widgets.modals import Confirm, Message
from iticket.tui.widgets.user_form import NewUser, UserForm


def _role_labels() -> tuple[str, str]:  # translated when called
    return _("admin"), _("agent")


def _state_labels() -> tuple[str, str, str]:
    return _("active"), _("inactive"), _("must change password")


class UsersScreen(DataScreen):
    CSS_PATH = "users_screen.tcss"
    AUTO_FOCUS = "#users"
    BINDINGS = [
        Binding("a", "add", _("Add user"), id="add_user"),
        Binding("d", "deactivate", _("Deactivate"), id="deactivate"),
        Binding("p", "reset", _("Reset password"), id="reset_password"),
        Binding("r", "activate", _("Reactivate"), id="activate_user"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[UserPublic] = []

    def compose(self) -> ComposeResult:
        actor = self.itapp.actor
        assert actor is not None
        yield Header()
        yield Label(Text(_("Users of {unit}").format(unit=self.itapp.unit_name(actor.unit))), classes="section-title")
        yield DataTable(id="users", cursor_type="row", zebra_stripes=True)
        yield Static(_("You manage only your own unit's users."), classes="muted")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#users", DataTable)
        # Widths fixed before rows arrive (the layout does not jump): the role and the state
        # always read whole in any language, the full name takes what the terminal has left.
        role = max(cell_len(label) for label in (_("Role"), *_role_labels()))
        state = max(cell_len(label) for label in (_("State"), *_state_labels()))
        name = max(16, min(40, self.app.size.width - 2 - 14 - role - state - 4 * 2 * CELL_PADDING))
        table.add_column(_("Username"), key="username", width=14)
        table.add_column(_("Full name"), key="name", width=name)
        table.add_column(_("Role"), key="role", width=role)
        table.add_column(_("State"), key="state", width=state)
        self.reload()

    def reload(self) -> None:
        actor, db = self.itapp.actor, self.itapp.db
        if actor is None:
            return
        self.run_db(lambda: users.list_users(db, actor=actor, unit=actor.unit, include_inactive=True), self._show)

    def _show(self, rows: list[UserPublic]) -> None:
        table = self.query_one("#users", DataTable)
        row = table.cursor_row
        table.clear()
        self._rows = rows
        for u in rows:
            style = "" if u.active else "dim strike"
            active, inactive, must_change = _state_labels()
            state = active if u.active else inactive
            if u.active and u.must_change_password:
                state = must_change
            admin, agent = _role_labels()
            role = admin if u.role == Role.ADMIN else agent
            table.add_row(Text(u.username, style=style), Text(u.full_name, style=style), role, state,
                          key=u.username)
        if rows:
            table.move_cursor(row=min(row, len(rows) - 1))
        self.refresh_bindings()

    def on_data_table_row_highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.refresh_bindings()  # "Reactivate" follows the selected user

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "activate":
            user = self._selected() if self.is_mounted else None
            return user is not None and not user.active
        return True

    def _selected(self) -> UserPublic | None:
        table = self.query_one("#users", DataTable)
        if not self._rows:
            return None
        return self._rows[min(table.cursor_row, len(self._rows) - 1)]

    # ---------------------------------------------------------------- actions

    def action_add(self) -> None:
        self.app.push_screen(UserForm(), self._add)

    def _add(self, new: NewUser | None) -> None:
        if new is None:
            return
        actor, db = self.itapp.actor, self.itapp.db
        assert actor is not None

        def done(result: tuple[UserPublic, str | None]) -> None:
            user, generated = result
            self.reload()
            self.app.push_screen(Message(
                _("User {name} created").format(name=user.username),
                _("Temporary password (shown once; it must be changed at first login): {pw}").format(pw=generated),
            ))

        def failed(error: BaseException) -> None:
            self.show_error(error)
            self.app.push_screen(UserForm(new), self._add)  # offer the form again, filled in

        self.run_db(lambda: users.add_user(db, new.username, full_name=new.full_name, actor=actor,
                                           role=new.role), done, group="write", on_error=failed)

    def action_deactivate(self) -> None:
        user = self._selected()
        actor, db = self.itapp.actor, self.itapp.db
        if user is None or actor is None:
            return
        # Said before asking: the core would refuse these after the confirmation anyway.
        if user.id == actor.id:
            self.notify(_("You cannot deactivate your own account."), severity="warning")
            return
        if not user.active:
            self.notify(_("User '{name}' is already inactive.").format(name=user.username), severity="warning")
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return

            def done(result: tuple[UserPublic, list[int]]) -> None:
                _user, returned = result
                self.notify(_("{name} deactivated; {n} open tickets went back to the unit.").format(
                    name=user.username, n=len(returned)))
                self.reload()

            self.run_db(lambda: users.deactivate_user(db, user.username, actor=actor), done, group="write")

        self.app.push_screen(Confirm(
            _("Deactivate {name}? Their open tickets go back to the unit's queue.").format(name=user.username),
            yes=_("Deactivate"),
        ), answered)

    def action_activate(self) -> None:
        user = self._selected()
        actor, db = self.itapp.actor, self.itapp.db
        if user is None or actor is None or user.active:
            return

        def done(_user: UserPublic) -> None:
            self.notify(_("{name} reactivated; they sign in again with their password.").format(name=user.username))
            self.reload()

        self.run_db(lambda: users.activate_user(db, user.username, actor=actor), done, group="write")

    def action_reset(self) -> None:
        user = self._selected()
        actor, db = self.itapp.actor, self.itapp.db
        if user is None or actor is None:
            return
        if not user.active:
            self.notify(_("User '{name}' is inactive: reactivate the account first.").format(name=user.username),
                        severity="warning")
            return
        own = user.id == actor.id

        def answered(yes: bool | None) -> None:
            if not yes:
                return

            def done(result: tuple[UserPublic, str | None]) -> None:
                title = _("Password of {name} reset").format(name=user.username)
                text = _("New temporary password (shown once; it must be changed at next login): {pw}").format(
                    pw=result[1])
                self.itapp.changing_password = False
                if own:
                    # The reset ends this session too: nothing more is done in it, the password
                    # is shown once, and closing the dialog goes back to the login screen.
                    self.itapp.actor = None
                    self.app.push_screen(Message(title, text), lambda _closed: self.itapp.sign_out(
                        _("Your session ended: your password was reset. Sign in again.")))
                    return
                self.reload()
                self.app.push_screen(Message(title, text))

            def failed(error: BaseException) -> None:
                self.itapp.changing_password = False
                self.show_error(error)

            # Own reset: the session check must not end the session before the password is shown.
            self.itapp.changing_password = own
            self.run_db(lambda: users.reset_password(db, user.username, actor=actor), done, group="write",
                        on_error=failed)

        if own:
            question = _("Reset your own password? Your session ends: sign in again with the temporary password.")
        else:
            question = _("Reset the password of {name}? Their sessions end.").format(name=user.username)
        self.app.push_screen(Confirm(question, yes=_("Reset")), answered)
