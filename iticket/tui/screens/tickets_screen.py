"""Tickets: the queue of the unit (admins: every unit, with a unit filter), oldest first.

Filter by status, free-text search, and a waiting-time column that highlights long waits. It
never loads a table: pages come from the core's keyset pagination, each a little more than the
table shows (``page_size``: building and measuring rows nobody sees is what made a filter change
slow), the next page is fetched when the cursor or the scroll position nears the end, and a live
reload re-reads only as many rows as are loaded. Enter opens the ticket.

A filter change costs one query, one batch of rows and one repaint: the summary line is updated
without a layout pass (its size never changes), so the screen is not re-laid out twice per
change.

Columns are sized to the terminal (``column_widths``): at 80 columns every column that is shown
fits without scrolling sideways (the detail is left to the ticket screen), and a wider terminal
gives the rest of the room to the detail.
"""

from __future__ import annotations

from datetime import timedelta

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Select, Static

from iticket.core.i18n import _
from iticket.core.models import Role, Status, TicketPublic
from iticket.core.rules import status_label
from iticket.core.services.tickets import (
    MAX_PAGE,
    Cursor,
    TicketFilter,
    TicketPage,
    list_tickets,
    parse_status,
)
from iticket.core.timeutil import utcnow
from iticket.tui.format import duration, status_text, waiting_text
from iticket.tui.screens.base import CELL_PADDING, DataScreen

PAGE = 50  # the first page before the table has a size; then ``page_size``
PAGE_MARGIN = 10  # rows beyond the visible ones: the cursor can move on while the next page loads
MIN_PAGE = 20
SEARCH_DELAY = 0.3  # seconds of typing pause before the search runs
ALL = "all"


def status_choices() -> list[tuple[str, str]]:
    return [
        (_("Open"), "open"),
        (_("Pending"), "pending"),
        (_("In progress"), "in_progress"),
        (_("Resolved"), "resolved"),
        (_("Rejected"), "rejected"),
        (_("All"), ALL),
    ]


FIXED = {"id": 5, "waiting": 9, "status": 10, "assignee": 8, "unit": 10}  # status: see below
REQUESTER = (11, 16, 22)  # least, preferred, most cells
SECTOR = (9, 14, 18)
DETAIL_MIN = 16


def column_widths(available: int, *, with_unit: bool) -> dict[str, int]:
    """Width of each shown column for a table ``available`` cells wide, in display order.

    The short columns (number, waiting time, status, assignee, unit) always show in full. The
    requester and the sector get their preferred width before the detail is shown at all, and
    the detail, when it fits, takes whatever is left: a small terminal never needs sideways
    scrolling, a large one is not wasted.
    """
    pad = 2 * CELL_PADDING
    widths = {k: w for k, w in FIXED.items() if with_unit or k != "unit"}
    widths["status"] = max(cell_len(status_label(s)) for s in Status)  # "in progress" is 11
    # the longest waiting times either side of a day: "23 h 59 min", "999 d 23 h"
    widths["waiting"] = max(cell_len(duration(timedelta(minutes=m))) for m in (24 * 60 - 1, 1000 * 24 * 60 - 1))
    rest = available - sum(w + pad for w in widths.values())
    if rest >= REQUESTER[1] + SECTOR[1] + DETAIL_MIN + 3 * pad:
        widths["requester"], widths["sector"] = REQUESTER[1], SECTOR[1]
        widths["detail"] = rest - REQUESTER[1] - SECTOR[1] - 3 * pad
        return widths
    room = max(rest - 2 * pad, REQUESTER[0] + SECTOR[0])
    requester = min(REQUESTER[2], max(REQUESTER[0], room - SECTOR[2]), room - SECTOR[0])
    widths["requester"] = requester
    widths["sector"] = min(SECTOR[2], room - requester)
    return widths


def _cut(text: str, width: int) -> Text:
    """One line of at most ``width`` cells, literal: a plain ``str`` cell would be parsed as
    Rich markup, so a requester's "[sala 3]" would vanish and "[/]" would fail to render."""
    text = " ".join(text.split())
    return Text(text if len(text) <= width else text[: width - 1] + "…", no_wrap=True, end="")


class TicketsScreen(DataScreen):
    CSS_PATH = "tickets_screen.tcss"
    AUTO_FOCUS = "#tickets"
    BINDINGS = [
        Binding("slash", "search", _("Search"), id="search"),
        Binding("f", "status", _("Status filter"), id="status_filter"),
        Binding("escape", "clear_search", _("Clear search"), id="clear_search", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status = "open"
        self.unit = ALL
        self.search = ""
        self._rows: list[TicketPublic] = []
        self._next: Cursor | None = None
        self._loading_more = False
        self._search_timer: Timer | None = None
        self.pages_shown = 0  # how many answers reached the table (tests and bench wait on it)
        self._widths: dict[str, int] = {}

    def compose(self) -> ComposeResult:
        actor = self.itapp.actor
        assert actor is not None
        yield Header()
        with Horizontal(id="filters"):
            yield Select(status_choices(), value=self.status, allow_blank=False, id="status", compact=True)
            if actor.role == Role.ADMIN:
                units = [(_("All units"), ALL)] + [(Text(u.name), u.code) for u in self.itapp.units]
                yield Select(units, value=ALL, allow_blank=False, id="unit", compact=True)
            yield Input(id="search-input", placeholder=_("Search: name, sector, detail, #number"))
        yield DataTable(id="tickets", cursor_type="row", zebra_stripes=True)
        yield Static("", id="summary", classes="muted")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one("#tickets", DataTable)
        self._fit_columns(self.app.size.width)
        self.watch(table, "scroll_y", self._scrolled, init=False)
        self.reload()

    def on_resize(self, event: events.Resize) -> None:
        self._fit_columns(event.size.width)

    def _fit_columns(self, width: int) -> None:
        """(Re)build the columns for a terminal ``width`` cells wide; rows loaded are kept."""
        admin = self.itapp.actor is not None and self.itapp.actor.role == Role.ADMIN
        widths = column_widths(width - 2, with_unit=admin)  # 2: the vertical scrollbar
        if widths == self._widths:
            return
        self._widths = widths
        labels = {"id": "#", "waiting": _("Waiting"), "status": _("Status"), "assignee": _("Assignee"),
                  "unit": _("Unit"), "requester": _("Requester"), "sector": _("Sector"),
                  "detail": _("Detail")}
        table = self.query_one("#tickets", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        for key, w in widths.items():
            table.add_column(labels[key], key=key, width=w)
        if self._rows:
            self._add_rows(self._rows)
            table.move_cursor(row=min(row, len(self._rows) - 1), animate=False)

    @property
    def page_size(self) -> int:
        """Rows per page: what the table shows plus a margin (``PAGE`` before the first layout)."""
        height = self.query_one("#tickets", DataTable).scrollable_content_region.height
        return max(MIN_PAGE, height + PAGE_MARGIN) if height > 0 else PAGE

    def _say(self, text: str) -> None:
        self.query_one("#summary", Static).update(text, layout=False)  # one line, fixed size

    # ---------------------------------------------------------------- loading

    def current_filter(self) -> TicketFilter:
        return TicketFilter(
            statuses=parse_status(self.status),
            unit=None if self.unit == ALL else self.unit,
            search=self.search or None,
        )

    def reload(self) -> None:
        """First page again (as many rows as are shown, so a live refresh keeps the place)."""
        actor, db = self.itapp.actor, self.itapp.db
        if actor is None:
            return
        flt = self.current_filter()
        limit = min(MAX_PAGE, max(self.page_size, len(self._rows)))
        self._say(_("Loading…"))
        self.run_db(lambda: list_tickets(db, actor=actor, filter=flt, limit=limit),
                    lambda page: self._show(page, replace=True, flt=flt))

    def _load_more(self) -> None:
        actor, db, after = self.itapp.actor, self.itapp.db, self._next
        if actor is None or after is None or self._loading_more:
            return
        self._loading_more = True
        flt = self.current_filter()
        limit = self.page_size
        self.run_db(lambda: list_tickets(db, actor=actor, filter=flt, limit=limit, after=after),
                    lambda page: self._show(page, replace=False, flt=flt), group="more")

    def _show(self, page: TicketPage, *, replace: bool, flt: TicketFilter) -> None:
        self._loading_more = False
        if flt != self.current_filter():
            return  # an answer to a filter the user already changed
        self.pages_shown += 1
        table = self.query_one("#tickets", DataTable)
        keep: str | None = None
        if replace:
            if self._rows and table.row_count:
                keep = str(self._rows[min(table.cursor_row, len(self._rows) - 1)].id)
            self._rows, self._next = [], None  # before clear(): its scroll reset must not load more
            table.clear()
        self._add_rows(page.tickets)
        self._rows += page.tickets
        self._next = page.next_cursor
        if keep is not None:
            for index, t in enumerate(self._rows):
                if str(t.id) == keep:
                    table.move_cursor(row=index, animate=False)
                    break
        shown = len(self._rows)
        if shown == 0:
            text = _("No tickets match.")
        elif self._next is not None:
            text = _("{n} tickets shown, oldest first — more load as you scroll.").format(n=shown)
        else:
            # the catalogue has no plural forms: the one case that reads wrong is said apart
            text = _("1 ticket.") if shown == 1 else _("{n} tickets, oldest first.").format(n=shown)
        self._say(text)

    def _add_rows(self, rows: list[TicketPublic]) -> None:
        table = self.query_one("#tickets", DataTable)
        now, w = utcnow(), self._widths
        for t in rows:
            cells: list[object] = [
                Text(str(t.id), style="bold"),
                waiting_text(t.created_at, t.closed_at, now),
                status_text(t.status),
                _cut(t.assignee, w["assignee"]) if t.assignee else Text("—", style="dim"),
            ]
            if "unit" in w:
                cells.append(_cut(self.itapp.unit_name(t.unit), w["unit"]))
            cells += [_cut(t.requester.name, w["requester"]), _cut(t.requester.sector, w["sector"])]
            if "detail" in w:
                cells.append(_cut(t.detail, w["detail"]))
            table.add_row(*cells, key=str(t.id))

    # ---------------------------------------------------------------- events

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = str(event.value)
        if event.select.id == "status" and value != self.status:
            self.status = value
        elif event.select.id == "unit" and value != self.unit:
            self.unit = value
        else:
            return
        self._rows, self._next = [], None
        self.reload()

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self._apply_search)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._apply_search()
        self.query_one("#tickets", DataTable).focus()

    def _apply_search(self) -> None:
        text = self.query_one("#search-input", Input).value.strip()
        if text != self.search:
            self.search = text
            self._rows, self._next = [], None
            self.reload()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.cursor_row >= len(self._rows) - PAGE_MARGIN:
            self._load_more()

    def _scrolled(self, scroll_y: float) -> None:
        """The wheel or the scrollbar moves the view, not the cursor: load on nearing the end."""
        table = self.query_one("#tickets", DataTable)
        if self._rows and scroll_y + table.scrollable_content_region.height >= len(self._rows) - PAGE_MARGIN:
            self._load_more()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.itapp.open_ticket(int(event.row_key.value))

    def action_search(self) -> None:
        self.query_one("#search-input", Input).focus()

    def action_status(self) -> None:
        self.query_one("#status", Select).focus()

    def action_clear_search(self) -> None:
        search = self.query_one("#search-input", Input)
        search.value = ""
        self._apply_search()
        self.query_one("#tickets", DataTable).focus()
