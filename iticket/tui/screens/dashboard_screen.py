"""Dashboard (the landing screen): the unit's ticket counts, its daily-tasks board and its
recent activity.

Admins can switch the unit or look at all units; agents see their own. The tasks board shows one
day (today by default; ``[`` and ``]`` move to other dates); tasks are added on the own unit's
board and marked done with Space. The screen is painted (and its keys work) before any data:
the three parts are read by three workers at once and each fills in when it arrives, so the
slowest (the counts, which walk the unit's index entries: ~25 ms on a million tickets) holds
up nothing else. It reloads by itself when the change feed reports a write.
"""

from __future__ import annotations

from datetime import timedelta

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Input, Label, Select, Static

from iticket.core import policy
from iticket.core.describe import describe_activity
from iticket.core.i18n import _
from iticket.core.models import ActivityPublic, Role, Status, TaskPublic
from iticket.core.services import activity, tasks, tickets
from iticket.core.timeutil import utcnow
from iticket.tui.format import exact, when, zone
from iticket.tui.screens.base import DataScreen

ACTIVITY_ROWS = 40
ALL = "all"


class DashboardScreen(DataScreen):
    CSS_PATH = "dashboard_screen.tcss"
    BINDINGS = [
        Binding("left_square_bracket", "day(-1)", _("Prev. day"), id="prev_day"),
        Binding("right_square_bracket", "day(1)", _("Next day"), id="next_day"),
        Binding("n", "new_task", _("New task"), id="new_task"),
        Binding("space", "toggle_task", _("Done/undo"), id="toggle_task", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.unit = ""
        self.day = utcnow().astimezone(zone()).date()
        self._tasks: list[TaskPublic] = []
        self._activity_ticket: dict[str, int] = {}
        self._activity: list[ActivityPublic] | None = None

    def compose(self) -> ComposeResult:
        actor = self.itapp.actor
        assert actor is not None
        self.unit = actor.unit
        yield Header()
        with Horizontal(id="scope"):
            yield Label(_("Unit:"), classes="muted")
            if actor.role == Role.ADMIN:
                options = [(Text(u.name), u.code) for u in self.itapp.units] + [(_("All units"), ALL)]
                yield Select(options, value=actor.unit, allow_blank=False, id="unit", compact=True)
            else:
                yield Label(self.itapp.unit_name(actor.unit), id="unit-name")
        with Horizontal(id="counts"):
            for status, title in ((Status.PENDING, _("Pending")), (Status.IN_PROGRESS, _("In progress")),
                                  (Status.RESOLVED, _("Resolved"))):
                with Vertical(classes=f"card {status.value}"):
                    yield Static("…", id=f"count-{status.value}", classes="number")
                    yield Static(title, classes="caption")
        with Horizontal(id="panes"):
            with Vertical(id="tasks-pane"):
                yield Label("", id="tasks-title", classes="section-title")
                yield DataTable(id="tasks", cursor_type="row", show_header=False)
                yield Input(id="task-input", placeholder=_("New task for this day, Enter to add"))
            with Vertical(id="activity-pane"):
                yield Label(_("Recent activity"), classes="section-title")
                yield DataTable(id="activity", cursor_type="row", show_header=False)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()

    def _pane_width(self, share: int) -> int:
        """A pane's width from the screen's (the layout of the panes may not be settled yet):
        side by side the tasks get 2/5 and the activity 3/5, stacked both get all of it."""
        width = self.size.width
        return (width * share) // 5 - 2 if self.has_class("-wide") else width - 2

    def on_resize(self) -> None:
        self.set_class(self.size.width >= 110, "-wide")
        if self._activity is not None:  # re-fit the columns to the new size, no query needed
            self._show_tasks(self._tasks)
            self._show_activity(self._activity)

    # ---------------------------------------------------------------- loading

    def reload(self) -> None:
        actor, db, unit, day = self.itapp.actor, self.itapp.db, self.unit, self.day
        if actor is None or not unit:
            return
        board = actor.unit if unit == ALL else unit

        self.run_db(lambda: tickets.count_by_status(db, actor=actor, unit=unit), self._show_counts,
                    group="counts")
        self.run_db(lambda: tasks.list_tasks(db, actor=actor, day=day, unit=board), self._show_tasks,
                    group="tasks")
        self.run_db(lambda: activity.recent_activity(db, actor=actor, unit=unit, limit=ACTIVITY_ROWS),
                    self._show_activity, group="activity")

    def _show_counts(self, counts: dict[Status, int]) -> None:
        for status in (Status.PENDING, Status.IN_PROGRESS, Status.RESOLVED):
            # the card's size never depends on the number: no layout pass
            self.query_one(f"#count-{status.value}", Static).update(str(counts.get(status, 0)), layout=False)

    def _show_activity(self, rows: list[ActivityPublic]) -> None:
        self._activity = rows
        table = self.query_one("#activity", DataTable)
        now = utcnow()
        # columns sized to the pane now, so sentences are cut instead of scrolling sideways; the
        # time ("hace 12 h 54 min · 03/12 14:05") always whole, the sentence gets the rest
        times = [when(a.at, now) for a in rows]
        width = max((cell_len(t) for t in times), default=12)
        room = max(20, self._pane_width(3) - width - 6)  # 6: two cells' padding, the scrollbar
        table.clear(columns=True)
        table.add_column(_("When"), width=width)
        table.add_column(_("What"), width=room)
        self._activity_ticket = {str(a.id): a.ticket_id for a in rows if a.ticket_id}
        for a, at in zip(rows, times, strict=True):
            sentence = describe_activity(a, self.itapp.unit_name)
            if cell_len(sentence) > room:
                sentence = set_cell_size(sentence, room - 1) + "…"
            # literal text: names and reasons come from people, never Rich markup
            table.add_row(Text(at, style="dim"), Text(sentence), key=str(a.id))

    def _show_tasks(self, rows: list[TaskPublic]) -> None:
        self._tasks = rows
        actor = self.itapp.actor
        board = actor.unit if actor and self.unit == ALL else self.unit
        today = utcnow().astimezone(zone()).date()
        label = _("today") if self.day == today else self.day.strftime("%d/%m/%Y")
        self.query_one("#tasks-title", Label).update(
            _("Daily tasks — {unit} — {day}").format(unit=self.itapp.unit_name(board), day=label)
        )
        table = self.query_one("#tasks", DataTable)
        row = table.cursor_row
        table.clear(columns=True)  # sized to the pane now: text is cut, never scrolled sideways
        room = max(12, self._pane_width(2) - 25)  # 3 + 14 for the mark and who, 6 padding, 2 bar
        table.add_column("", width=3)
        table.add_column(_("Task"), width=room)
        table.add_column(_("By"), width=14)
        for t in rows:
            mark = Text("[x]", style="green") if t.done else Text("[ ]")
            text = Text(t.text, style="strike dim" if t.done else "", overflow="ellipsis", no_wrap=True)
            text.truncate(room, overflow="ellipsis")
            by = f"✓ {t.done_by} {exact(t.done_at)[11:]}" if t.done and t.done_by else t.author
            table.add_row(mark, text, Text(by, style="dim"), key=str(t.id))
        if rows:
            table.move_cursor(row=min(row, len(rows) - 1))
        if not rows:
            table.add_row("", Text(_("No tasks for this day."), style="dim"), "")
        can_post = actor is not None and policy.can_post_task(actor, board)
        self.query_one("#task-input", Input).disabled = not can_post

    # ---------------------------------------------------------------- actions

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "unit" and event.value != self.unit:
            self.unit = str(event.value)
            self.reload()

    def action_day(self, step: int) -> None:
        self.day = self.day + timedelta(days=step)
        self.reload()

    def action_new_task(self) -> None:
        self.query_one("#task-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.notify(_("Write the task first."), severity="warning")
            return
        actor, db, day = self.itapp.actor, self.itapp.db, self.day
        assert actor is not None
        self.run_db(lambda: tasks.add_task(db, text, actor=actor, day=day), self._task_added,
                    group="write", exclusive=False)

    def _task_added(self, task: TaskPublic) -> None:
        self.query_one("#task-input", Input).value = ""
        self.notify(_("Task added."))
        self.reload()

    def action_toggle_task(self) -> None:
        table = self.query_one("#tasks", DataTable)
        if not self._tasks:
            return
        task = self._tasks[min(table.cursor_row, len(self._tasks) - 1)]
        actor, db = self.itapp.actor, self.itapp.db
        assert actor is not None
        self.run_db(lambda: tasks.complete_task(db, task.id, actor=actor, done=not task.done),
                    lambda _t: self.reload(), group="write", exclusive=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a task toggles it; on an activity line opens its ticket."""
        if event.data_table.id == "tasks":
            self.action_toggle_task()
        elif event.data_table.id == "activity":
            ticket_id = self._activity_ticket.get(str(event.row_key.value))
            if ticket_id is not None:
                self.itapp.open_ticket(ticket_id)
