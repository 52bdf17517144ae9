"""One ticket: the requester's data as the bot collected it, attachments, a timeline of activity
and private notes, and the actions the permission policy allows this user.

Every change passes the version the screen showed (``expected_version``). If someone else
changed the ticket meanwhile the core raises ``Conflict``: the screen says so, reloads, and
keeps what the user typed (the note stays in its box; a resolve message or reject reason is
offered again the next time). Escape with an unsaved note asks before leaving.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Footer, Header, Static, TextArea

from iticket.core import policy
from iticket.core.describe import describe_activity
from iticket.core.errors import Conflict, NotFound, PermissionDenied, StaleVersion
from iticket.core.i18n import _
from iticket.core.models import Role, TicketDetail, TicketPublic, UserPublic
from iticket.core.rules import status_label
from iticket.core.services import tickets, users
from iticket.core.timeutil import utcnow
from iticket.tui.format import STATUS_STYLE, when
from iticket.tui.screens.base import DataScreen
from iticket.tui.widgets.modals import ChoicePrompt, Confirm, TextPrompt


def NOTE_LABEL() -> str:  # noqa: N802 - a constant, translated when used
    return _("Private note (never sent to the requester) — Ctrl+S saves")


ACTIONS = ("take", "assign", "unassign", "resolve", "reject", "reopen", "save_note")


class TicketScreen(DataScreen):
    CSS_PATH = "ticket_screen.tcss"
    BINDINGS = [
        Binding("escape", "back", _("Back"), id="back"),
        Binding("t", "take", _("Take"), id="take"),
        Binding("a", "assign", _("Assign"), id="assign"),
        Binding("u", "unassign", _("Unassign"), id="unassign"),
        Binding("r", "resolve", _("Resolve"), id="resolve"),
        Binding("x", "reject", _("Reject"), id="reject"),
        Binding("o", "reopen", _("Reopen"), id="reopen"),
        Binding("n", "focus_note", _("Note"), id="focus_note"),
        Binding("ctrl+s", "save_note", _("Save note"), id="save_note", priority=True),
    ]

    def __init__(self, ticket_id: int) -> None:
        super().__init__()
        self.ticket_id = ticket_id
        self.detail: TicketDetail | None = None
        self.drafts: dict[str, str] = {}  # resolve message / reject reason kept after a failure
        self._saving_note = False
        self._show_latest = False  # after the user's own change: scroll the timeline to its end

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(id="body"):
            yield Static(_("Loading ticket #{id}…").format(id=self.ticket_id), id="headline")
            yield Static("", id="requester")
            yield Static("", id="detail")
            yield Static("", id="attachments")
            yield Static(_("Timeline"), classes="section-title")
            yield Static("", id="timeline")
        with Vertical(id="note-pane"):
            yield Static(NOTE_LABEL(), id="note-label")
            yield TextArea(id="note", soft_wrap=True, show_line_numbers=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()

    @property
    def ticket(self) -> TicketPublic | None:
        return self.detail.ticket if self.detail else None

    # ---------------------------------------------------------------- loading

    def reload(self) -> None:
        actor, db, tid = self.itapp.actor, self.itapp.db, self.ticket_id
        if actor is None:
            return
        self.run_db(lambda: tickets.show_ticket(db, tid, actor=actor), self._show, on_error=self._gone)

    def _gone(self, error: BaseException) -> None:
        """The ticket left the user's reach meanwhile (moved to another unit): say so where the
        ticket was shown and offer no action on it; a note being typed stays in its box."""
        if not isinstance(error, NotFound | PermissionDenied):
            self.show_error(error)
            return
        self.detail = None
        self.query_one("#headline", Static).update(
            Text(error.message + " " + _("Escape goes back."), style="bold red"))
        for part in ("#requester", "#detail", "#attachments", "#timeline"):
            self.query_one(part, Static).update("")
        self.refresh_bindings()

    def _show(self, detail: TicketDetail) -> None:
        self.detail = detail
        t = detail.ticket
        now = utcnow()
        self.sub_title = _("Ticket #{id}").format(id=t.id)
        head = Text.assemble(
            (f"#{t.id} ", "bold"),
            (status_label(t.status), STATUS_STYLE.get(t.status, "")),
            "  ·  ", self.itapp.unit_name(t.unit),
            "  ·  ", _("Assignee: {user}").format(user=t.assignee or "—"),
        )
        head.append("\n" + _("Created {when}").format(when=when(t.created_at, now)), style="dim")
        if t.closed_at:
            head.append("  ·  " + _("Closed {when}").format(when=when(t.closed_at, now)), style="dim")
        self.query_one("#headline", Static).update(head)
        r = t.requester
        info = Text()
        for label, value in ((_("Requester"), r.name), (_("Sector"), r.sector),
                             (_("Extension"), r.extension), (_("WhatsApp"), f"+{r.phone}" if r.phone else "—")):
            info.append(f"{label}: ", style="bold")
            info.append(f"{value}   ")
        self.query_one("#requester", Static).update(info)
        body = Text(t.detail)
        if t.resolution_message:
            body.append("\n" + _("Message for the requester: {text}").format(text=t.resolution_message),
                        style="italic")
        self.query_one("#detail", Static).update(body)
        files = [
            f"{a.media_type}: {a.filename or a.caption or a.mime_type or '?'} ({a.state})" + (f" {a.path}" if a.path else "")
            for a in detail.attachments
        ]
        attachments = self.query_one("#attachments", Static)
        # Text, not str: file names and captions come from requesters, never Rich markup
        attachments.update(Text(_("Attachments: {list}").format(list="; ".join(files)) if files else ""))
        attachments.display = bool(files)
        self.query_one("#timeline", Static).update(self._timeline(detail))
        self.refresh_bindings()
        if self._show_latest:  # the entry the user just caused is at the end of the timeline
            self._show_latest = False
            body = self.query_one("#body", VerticalScroll)
            self.call_after_refresh(lambda: body.scroll_end(animate=False))

    def _timeline(self, detail: TicketDetail) -> Text:
        """Activity and private notes merged in time order; notes are labelled private."""
        now = utcnow()
        entries: list[tuple[Any, int, Text]] = []
        for a in detail.activity:
            line = Text(f"{when(a.at, now)}  ", style="dim")
            line.append(describe_activity(a, self.itapp.unit_name))
            if a.detail and a.kind.value == "status_changed":
                line.append(f" — “{a.detail}”", style="italic")
            entries.append((a.at, 0, line))
        for n in detail.notes:
            line = Text(f"{when(n.created_at, now)}  ", style="dim")
            line.append(" " + _("PRIVATE NOTE") + " ", style="bold reverse magenta")
            line.append(f" {n.author}: ", style="bold")
            line.append(n.text)
            entries.append((n.created_at, 1, line))
        entries.sort(key=lambda e: (e[0], e[1]))
        return Text("\n").join(e[2] for e in entries) if entries else Text(_("No activity yet."), style="dim")

    # ---------------------------------------------------------------- what is offered

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in ACTIONS:
            return True
        actor, t = self.itapp.actor, self.ticket
        if actor is None or t is None:
            return False
        if not policy.can_work_ticket(actor, t.unit):
            return False
        is_open = t.status.is_open
        if action == "take":  # someone else's ticket is reassigned with "assign", never "taken"
            return is_open and t.assignee is None and policy.can_assign(actor, t.unit, actor.unit)
        if action in ("assign", "resolve", "reject"):
            return is_open
        if action == "unassign":
            return is_open and t.assignee is not None
        if action == "reopen":
            return not is_open
        return True  # save_note

    # ---------------------------------------------------------------- actions

    def _change(self, fn: Callable[[int], TicketPublic], done: str, *, draft: str | None = None,
                text: str = "") -> None:
        """Run a versioned change; on a conflict reload and keep ``text`` as a draft."""
        t = self.ticket
        if t is None:
            return
        version = t.version

        def failed(error: BaseException) -> None:
            if draft:
                self.drafts[draft] = text
            if isinstance(error, Conflict):
                kept = _(" Your text was kept: check the ticket and try again.") if draft else ""
                title = _("Changed meanwhile") if isinstance(error, StaleVersion) else _("Not done")
                self.notify(error.message + " " + _("The ticket was reloaded.") + kept,
                            title=title, severity="warning", timeout=10)
                self.reload()
            else:
                self.show_error(error)

        def succeeded(_ticket: TicketPublic) -> None:
            if draft:
                self.drafts.pop(draft, None)
            self.notify(done)
            self._show_latest = True
            self.reload()

        self.run_db(lambda: fn(version), succeeded, group="write", on_error=failed)

    def action_take(self) -> None:
        actor, db, tid = self.itapp.actor, self.itapp.db, self.ticket_id
        assert actor is not None
        self._change(lambda v: tickets.take(db, tid, actor=actor, expected_version=v),
                     _("You took ticket #{id}.").format(id=tid))

    def action_unassign(self) -> None:
        actor, db, tid = self.itapp.actor, self.itapp.db, self.ticket_id
        assert actor is not None
        self._change(lambda v: tickets.unassign(db, tid, actor=actor, expected_version=v),
                     _("Ticket #{id} unassigned.").format(id=tid))

    def action_reopen(self) -> None:
        actor, db, tid = self.itapp.actor, self.itapp.db, self.ticket_id
        assert actor is not None
        self._change(lambda v: tickets.reopen(db, tid, actor=actor, expected_version=v),
                     _("Ticket #{id} reopened.").format(id=tid))

    def action_resolve(self) -> None:
        actor, db, tid = self.itapp.actor, self.itapp.db, self.ticket_id
        assert actor is not None

        def answered(message: str | None) -> None:
            if message is None:
                self.drafts.pop("resolve", None)  # cancelled: the kept text goes too
                return
            self._change(lambda v: tickets.resolve(db, tid, actor=actor, message=message or None,
                                                   expected_version=v),
                         _("Ticket #{id} resolved; the requester will be notified.").format(id=tid),
                         draft="resolve", text=message)

        self.app.push_screen(TextPrompt(
            _("Resolve ticket #{id}").format(id=tid),
            hint=_("The requester receives this message on WhatsApp (optional)."),
            initial=self.drafts.get("resolve", ""), ok_label=_("Resolve"),
        ), answered)

    def action_reject(self) -> None:
        actor, db, tid = self.itapp.actor, self.itapp.db, self.ticket_id
        assert actor is not None

        def answered(reason: str | None) -> None:
            if reason is None:
                self.drafts.pop("reject", None)
                return
            self._change(lambda v: tickets.reject(db, tid, actor=actor, reason=reason, expected_version=v),
                         _("Ticket #{id} rejected; the requester will be notified.").format(id=tid),
                         draft="reject", text=reason)

        self.app.push_screen(TextPrompt(
            _("Reject ticket #{id}").format(id=tid),
            hint=_("The reason is required and is sent to the requester on WhatsApp."),
            initial=self.drafts.get("reject", ""), required=True, ok_label=_("Reject"),
        ), answered)

    def action_assign(self) -> None:
        actor, db, t = self.itapp.actor, self.itapp.db, self.ticket
        assert actor is not None and t is not None
        scope = "all" if actor.role == Role.ADMIN else actor.unit
        self.run_db(lambda: users.list_users(db, actor=actor, unit=scope), self._offer_assign, group="users")

    def _offer_assign(self, people: list[UserPublic]) -> None:
        """Choices follow the policy: agents get their unit's users; admins every unit's users,
        and every other unit to route the ticket there unassigned."""
        actor, t = self.itapp.actor, self.ticket
        if actor is None or t is None:
            return
        choices: list[tuple[str, tuple[str, str]]] = [
            (f"{u.username} — {u.full_name} ({self.itapp.unit_name(u.unit)})", ("user", u.username))
            for u in people
            if policy.can_assign(actor, t.unit, u.unit) and u.username != t.assignee
        ]
        for unit in self.itapp.units:
            if unit.code != t.unit and policy.can_route(actor, t.unit, unit.code):
                choices.append((_("→ Unit {unit} (unassigned)").format(unit=unit.name), ("unit", unit.code)))
        self.app.push_screen(ChoicePrompt(_("Assign ticket #{id}").format(id=t.id), choices), self._assign)

    def _assign(self, choice: tuple[str, str] | None) -> None:
        if choice is None:
            return
        actor, db, tid = self.itapp.actor, self.itapp.db, self.ticket_id
        assert actor is not None
        kind, target = choice
        if kind == "user":
            self._change(lambda v: tickets.assign(db, tid, to_user=target, actor=actor, expected_version=v),
                         _("Ticket #{id} assigned to {user}.").format(id=tid, user=target))
        else:
            self._change(lambda v: tickets.route(db, tid, to_unit=target, actor=actor, expected_version=v),
                         _("Ticket #{id} moved to {unit}.").format(id=tid, unit=self.itapp.unit_name(target)))

    def action_focus_note(self) -> None:
        self.query_one("#note", TextArea).focus()

    def action_save_note(self) -> None:
        area = self.query_one("#note", TextArea)
        text = area.text.strip()
        if not text:
            self.notify(_("Write the note first."), severity="warning")
            area.focus()
            return
        actor, db, tid = self.itapp.actor, self.itapp.db, self.ticket_id
        assert actor is not None
        if self._saving_note:
            return  # Ctrl+S again while the database is busy must not save the note twice
        # The box is frozen while it saves: what is cleared afterwards is exactly what was saved.
        self._saving_note = True
        area.read_only = True
        label = self.query_one("#note-label", Static)
        label.update(_("Saving the private note…"))

        def finish() -> None:
            self._saving_note = False
            area.read_only = False
            label.update(NOTE_LABEL())

        def saved(_note: object) -> None:
            finish()
            area.clear()
            self.notify(_("Private note saved."))
            self._show_latest = True
            self.reload()

        def failed(error: BaseException) -> None:
            finish()  # the text stays in the box
            self.show_error(error)

        self.run_db(lambda: tickets.add_note(db, tid, text, actor=actor), saved, group="note", on_error=failed)

    def action_back(self) -> None:
        self.leave(self.app.pop_screen)

    def leave(self, then: Callable[[], None]) -> None:
        """Escape, F2-F5 and Ctrl+Q all ask before an unsaved private note is thrown away."""
        if not self.query_one("#note", TextArea).text.strip():
            then()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                then()

        self.app.push_screen(Confirm(_("Discard the unsaved private note?"), yes=_("Discard")), answered)
