"""How tickets, notes, activity and users look on stdout: the JSON contract and rich tables.

The JSON shapes here are the scripting contract documented in the README; keys and values are
the same in every language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.table import Table

from iticket.core.i18n import _
from iticket.core.models import ActivityKind, ActivityPublic, TicketPublic, UserPublic
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


def describe_activity(a: ActivityPublic) -> str:
    """One human sentence per activity entry (also used by the TUI)."""
    who = a.actor or _("someone")
    ticket = f"#{a.ticket_id}" if a.ticket_id else ""
    k = a.kind
    if k == ActivityKind.TICKET_CREATED:
        return _("{who} created ticket {t}").format(who=who, t=ticket)
    if k == ActivityKind.ASSIGNED:
        return _("{who} assigned {t} to {user}").format(who=who, t=ticket, user=a.after or a.user)
    if k == ActivityKind.UNASSIGNED:
        return _("{who} unassigned {t} from {user}").format(who=who, t=ticket, user=a.before or a.user)
    if k == ActivityKind.MOVED:
        return _("{who} moved {t} from {a} to {b}").format(who=who, t=ticket, a=a.unit, b=a.other_unit)
    if k == ActivityKind.STATUS_CHANGED:
        return _("{who} changed {t}: {a} → {b}").format(
            who=who, t=ticket, a=status_label(a.before or "pending"), b=status_label(a.after or "pending")
        )
    if k == ActivityKind.NOTE_ADDED:
        return _("{who} added a private note to {t}").format(who=who, t=ticket)
    if k == ActivityKind.TASK_POSTED:
        return _("{who} posted a task: {text}").format(who=who, text=a.detail or "")
    if k == ActivityKind.TASK_DONE:
        return _("{who} completed a task: {text}").format(who=who, text=a.detail or "")
    if k == ActivityKind.USER_CREATED:
        return _("{who} created user {user}").format(who=who, user=a.user)
    if k == ActivityKind.USER_DEACTIVATED:
        return _("{who} deactivated user {user}").format(who=who, user=a.user)
    if k == ActivityKind.PASSWORD_RESET:
        return _("{who} reset the password of {user}").format(who=who, user=a.user)
    if k == ActivityKind.PASSWORD_CHANGED:
        return _("{user} changed their password").format(user=a.user)
    if k == ActivityKind.LOGIN_FAILED:
        return _("Failed login for {user}").format(user=a.user or a.detail)
    if k == ActivityKind.ACCOUNT_LOCKED:
        return _("Account {user} locked after failed logins").format(user=a.user)
    if k == ActivityKind.NOTIFICATION_FAILED:
        return _("The WhatsApp notification for {t} could not be delivered").format(t=ticket)
    return f"{who} {k.value} {ticket}"


def activity_table(rows: list[ActivityPublic]) -> Table:
    table = Table(show_edge=False, pad_edge=False)
    table.add_column(_("When"), no_wrap=True)
    table.add_column(_("What"))
    for a in rows:
        table.add_row(local(a.at), describe_activity(a))
    return table
