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


def tickets_table(tickets: list[TicketPublic]) -> Table:
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column(_("Status"), no_wrap=True)
    table.add_column(_("Unit"), no_wrap=True)
    table.add_column(_("Assignee"), no_wrap=True)
    table.add_column(_("Requester"))
    table.add_column(_("Sector"))
    table.add_column(_("Created"), no_wrap=True)
    table.add_column(_("Detail"), overflow="ellipsis", no_wrap=True, max_width=40)
    for t in tickets:
        table.add_row(
            str(t.id), status_label(t.status), t.unit, t.assignee or "—", t.requester.name,
            t.requester.sector, local(t.created_at), t.detail.replace("\n", " "),
        )
    return table


def activity_table(rows: list[ActivityPublic]) -> Table:
    table = Table(show_edge=False, pad_edge=False)
    table.add_column(_("When"), no_wrap=True)
    table.add_column(_("What"))
    for a in rows:
        table.add_row(local(a.at), describe_activity(a))
    return table
