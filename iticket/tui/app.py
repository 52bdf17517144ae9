"""The Textual app for IT staff: who is signed in, where each key goes, and the change feed.

The app itself is small: it starts on the login screen, holds the signed-in ``Actor``, switches
between the main screens (F2 dashboard, F3 tickets, F4 statistics, F5 users) and polls the
``ChangeFeed`` once a second, telling the screen on top to reload when something changed.
Everything else lives in ``screens/``. Build it with ``create_app`` (the CLI and tests do).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import CommandPalette
from textual.screen import ModalScreen, Screen

from iticket.core import policy
from iticket.core.changes import ChangeFeed
from iticket.core.db import Database
from iticket.core.errors import NotAuthenticated
from iticket.core.i18n import _
from iticket.core.models import Actor, UnitPublic
from iticket.core.services import auth
from iticket.tui.messages import DataChanged
from iticket.tui.widgets.fields import FormInput

POLL_SECONDS = 1.0
SETTLE_HEAP_SECONDS = 1.0  # after sign-in: the dashboard has painted by then


class ITicketApp(App[None]):
    TITLE = "iTicket"
    CSS_PATH = Path(__file__).with_name("app.tcss")
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        Binding("f2", "go('dashboard')", _("Dashboard"), id="go_dashboard"),
        Binding("f3", "go('tickets')", _("Tickets"), id="go_tickets"),
        Binding("f4", "go('stats')", _("Statistics"), id="go_stats"),
        Binding("f5", "go('users')", _("Users"), id="go_users"),
        Binding("ctrl+q", "quit", _("Quit"), id="quit", priority=True),
        # Declared here so the footer names it in the user's language (Textual's own says "palette").
        Binding("ctrl+p", "command_palette", _("Commands"), show=False, priority=True, id="palette"),
    ]

    def __init__(self, db: Database, *, login_hint: str = "", poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__()
        self.db = db
        self.login_hint = login_hint
        self.actor: Actor | None = None
        # The password marker the session was opened with (auth.session_stamp): a reset,
        # a deactivation or a change elsewhere ends the session at the next poll.
        self.session_stamp: str | None = None
        # Set while the own-password dialog saves: the password changes, the session goes on.
        self.changing_password = False
        self.units: list[UnitPublic] = []  # loaded once at login (four rows)
        self.feed = ChangeFeed(db)
        self._poll_seconds = poll_seconds

    def on_mount(self) -> None:
        from iticket.tui.screens.login_screen import LoginScreen

        self.push_screen(LoginScreen(hint=self.login_hint))
        self.set_interval(self._poll_seconds, self._poll)

    def on_unmount(self) -> None:
        gc.unfreeze()  # what _settle_heap froze becomes collectable again with the app gone

    def _settle_heap(self) -> None:
        """Once the first screen after sign-in is up: collect, then freeze what is alive.

        The libraries, the styles and the screens built so far (~150k objects) stay alive for
        the whole session; left in the collector's oldest generation, every full collection
        walks them again, which showed up as 100-200 ms hitches in one filter change out of
        five. Frozen, collections only walk what came later. Runs on a timer after the
        dashboard has painted, where a one-off ~50 ms pause disturbs nobody."""
        gc.collect()
        gc.freeze()

    async def on_event(self, event: events.Event) -> None:
        # Enter in a form field moves the focus as the key is dispatched, in arrival order, so
        # a burst "user⏎password⏎" splits exactly at the Enter (see widgets/fields.py).
        if isinstance(event, events.Key) and event.key == "enter" and not event.is_forwarded:
            focused = self.focused
            if isinstance(focused, FormInput) and focused.next_field is not None:
                focused.advance()
                return
        await super().on_event(event)

    # ---------------------------------------------------------------- session

    def signed_in(self, actor: Actor, stamp: str | None = None) -> None:
        """After a successful login (or a completed forced password change). ``stamp`` is the
        ``auth.session_stamp`` read with the login; without it the first poll reads it."""
        self.actor = actor
        self.session_stamp = stamp
        self.sub_title = f"{actor.full_name} · {actor.unit}"
        # Take the change feed's baseline now, before any screen loads its data: a ticket filed
        # between that load and the first poll must still count as a change (it would otherwise
        # become part of the baseline and never show up). One max(id) lookup.
        self.feed.changed()
        self.set_timer(SETTLE_HEAP_SECONDS, self._settle_heap)
        if actor.must_change_password:
            from iticket.tui.screens.password_screen import PasswordScreen

            self.switch_screen(PasswordScreen(forced=True))
        else:
            self.action_go("dashboard")

    # ---------------------------------------------------------------- navigation

    def _allowed(self, name: str) -> bool:
        if self.actor is None or self.actor.must_change_password:
            return False
        if name == "stats":
            return policy.can_view_stats(self.actor)
        if name == "users":
            return policy.can_manage_user(self.actor, self.actor.unit)
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "go":
            if isinstance(self.screen, ModalScreen):
                return False
            return self._allowed(str(parameters[0]))
        return True

    def _leave_screen(self, then: Callable[[], None]) -> None:
        """Run ``then`` once the screen on top agrees to be left (unsaved input asks first)."""
        for screen in reversed(self.screen_stack):
            leave = getattr(screen, "leave", None)
            if leave is not None:
                leave(then)
                return
        then()

    async def action_quit(self) -> None:
        self._leave_screen(self.exit)

    def action_go(self, name: str) -> None:
        if not self._allowed(name):
            return
        self._leave_screen(lambda: self._go(name))

    def _go(self, name: str) -> None:
        screen = self._make(name)
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(screen)

    def _make(self, name: str) -> Screen[None]:
        if name == "tickets":
            from iticket.tui.screens.tickets_screen import TicketsScreen

            return TicketsScreen()
        if name == "stats":
            from iticket.tui.screens.stats_screen import StatsScreen

            return StatsScreen()
        if name == "users":
            from iticket.tui.screens.users_screen import UsersScreen

            return UsersScreen()
        from iticket.tui.screens.dashboard_screen import DashboardScreen

        return DashboardScreen()

    def unit_name(self, code: str | None) -> str:
        for unit in self.units:
            if unit.code == code:
                return unit.name
        return code or "—"

    def open_ticket(self, ticket_id: int) -> None:
        from iticket.tui.screens.ticket_screen import TicketScreen

        self.push_screen(TicketScreen(ticket_id))

    def action_command_palette(self) -> None:
        if not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette", placeholder=_("Search for commands…")))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        # Textual's built-in commands, said in the user's language (Screenshot is left out: it
        # writes an SVG into the working directory of a server staff never see).
        yield SystemCommand(_("Quit"), _("Leave iTicket"), self.action_quit)
        if screen.query("HelpPanel"):
            yield SystemCommand(_("Keys"), _("Hide the keys panel"), self.action_hide_help_panel)
        else:
            yield SystemCommand(_("Keys"), _("Show the keys of this screen and of the focused field"),
                                self.action_show_help_panel)
        if screen.maximized is not None:
            yield SystemCommand(_("Restore"), _("Back to the normal layout"), screen.action_minimize)
        elif screen.focused is not None and screen.focused.allow_maximize:
            yield SystemCommand(_("Maximize"), _("Show only the focused part"), screen.action_maximize)
        yield SystemCommand(_("Theme"), _("Change the colours"), self.action_change_theme)
        for name, title in (("dashboard", _("Dashboard")), ("tickets", _("Tickets")),
                            ("stats", _("Statistics")), ("users", _("Users"))):
            if self._allowed(name):
                yield SystemCommand(title, _("Go to {screen}").format(screen=title),
                                    lambda name=name: self.action_go(name))  # type: ignore[misc]
        if self.actor is not None and not self.actor.must_change_password:
            yield SystemCommand(_("Change password"), _("Change your own password"), self._change_password)
        if self.actor is not None:
            yield SystemCommand(_("Log out"), _("Back to the login screen"), self.sign_out)

    def _change_password(self) -> None:
        from iticket.tui.screens.password_screen import PasswordScreen

        self.push_screen(PasswordScreen(forced=False))

    def sign_out(self, message: str = "") -> None:
        """Back to the login screen; ``message`` says why when the session was ended for the
        user (reset, deactivation, lockout). Unsaved input is not asked about then."""
        from iticket.tui.screens.login_screen import LoginScreen

        self.actor = None
        self.session_stamp = None
        self.changing_password = False
        self.sub_title = ""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(LoginScreen(hint=self.login_hint, message=message))

    # ---------------------------------------------------------------- live refresh

    def _poll(self) -> None:
        if self.actor is not None:
            self._check_feed(self.actor, self.session_stamp)

    @work(thread=True, exclusive=True, group="feed", exit_on_error=False)
    def _check_feed(self, actor: Actor, stamp: str | None) -> None:
        if stamp is None:
            stamp = auth.session_stamp(self.db, actor)
            self.call_from_thread(self._take_stamp, actor, stamp)
        else:
            try:
                auth.check_session(self.db, actor, stamp)
            except NotAuthenticated as ended:
                self.call_from_thread(self._session_ended, actor, stamp, ended.message)
                return
        if self.feed.changed():
            self.call_from_thread(self._broadcast)

    def _take_stamp(self, actor: Actor, stamp: str) -> None:
        if self.actor is actor and self.session_stamp is None:
            self.session_stamp = stamp

    def _session_ended(self, actor: Actor, stamp: str, message: str) -> None:
        """The check ran for this very session (not one signed in since) and no own password
        change was underway meanwhile (that changes the stamp on purpose)."""
        if self.actor is actor and self.session_stamp == stamp and not self.changing_password:
            self.sign_out(message)

    def _broadcast(self) -> None:
        if not isinstance(self.screen, ModalScreen):
            self.screen.post_message(DataChanged())


def create_app(db: Database, *, login_hint: str = "") -> ITicketApp:
    """The one factory: ``iticket``, ``iticket tui``, ``iticket demo`` and the tests use it."""
    return ITicketApp(db, login_hint=login_hint)
