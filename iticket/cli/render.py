"""How tickets, notes, activity and users look on stdout: the JSON contract and rich tables.

The JSON shapes here are the scripting contract documented in the README; keys and values are
the same in every language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.table import Table

from iticket.core.describe import describe_activity  # noqa: F401  (moved to core; re-exported)
from iticket.core.i18n import _
from iticket.core.models import ActivityPublic, TicketPublic, UserPublic
from iticket.core.rules import status_label
from iticket.core.serialize import (  # noqa: F401  (re-exported for the CLI modules)
    activity_json,
    detail_json,
    note_json,
    task_json,
    ticket_json,
)


def user_json(u: UserPublic) -> dict[str, Any]:
    return {
        "username": u.username,
        "full_name": u.full_name,
        "unit": u.unit,
        "role": u.role.value,
        "active": u.active,
        "must_change_password": u.must_change_password,
    }


def local(dt: datetime | None) -> str:
    if dt is None:
        return "—"
    return dt.astimezone().strftime("%Y-%m-%d %H:%M")


def tickets_table(tickets: list[TicketPublic], *, width: int | None = None) -> Table:
    """The ticket list. At 80 columns (a pipe, a small SSH window) the requester and sector
    columns are left out so the number, status, unit, assignee, date and the start of the
    detail always fit; the free-text detail is what gets cut."""
    from iticket.cli.output import out

    total = width or out.width
    wide = total >= 110
    table = Table(box=None, padding=(0, 1), pad_edge=False, header_style="bold")
    pad = 2  # Rich counts a column's padding in its width
    table.add_column("#", justify="right", no_wrap=True,
                     width=pad + max(1, len(str(max((t.id for t in tickets), default=0)))))
    table.add_column(_("Status"), no_wrap=True,
                     width=pad + max([len(status_label(t.status)) for t in tickets] or [8]))
    table.add_column(_("Unit"), no_wrap=True, width=pad + max([len(t.unit) for t in tickets] or [4]))
    table.add_column(_("Assignee"), no_wrap=True, overflow="ellipsis",
                     width=pad + min(12, max([len(t.assignee or "—") for t in tickets] or [1])))
    if wide:
        table.add_column(_("Requester"), overflow="ellipsis", no_wrap=True, max_width=28)
        table.add_column(_("Sector"), overflow="ellipsis", no_wrap=True, max_width=20)
    table.add_column(_("Created"), no_wrap=True, width=pad + 16)  # YYYY-MM-DD HH:MM
    used = sum(c.width or 0 for c in table.columns) + (48 if wide else 0)
    table.add_column(_("Detail"), overflow="ellipsis", no_wrap=True, width=max(10, total - used))
    for t in tickets:
        cells = [str(t.id), status_label(t.status), t.unit, t.assignee or "—"]
        if wide:
            cells += [t.requester.name, t.requester.sector]
        cells += [local(t.created_at), t.detail.replace("\n", " ")]
        table.add_row(*cells)
    return table


def activity_table(rows: list[ActivityPublic]) -> Table:
    table = Table(show_edge=False, pad_edge=False)
    table.add_column(_("When"), no_wrap=True)
    table.add_column(_("What"))
    for a in rows:
        table.add_row(local(a.at), describe_activity(a))
    return table
