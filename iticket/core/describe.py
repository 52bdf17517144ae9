"""Human sentences for activity-log entries, shared by every staff front end (CLI, TUI).

One sentence per ``ActivityKind``, translated through gettext; the front ends only add the time.
"""

from __future__ import annotations

from collections.abc import Callable

from iticket.core.i18n import _
from iticket.core.models import ActivityKind, ActivityPublic
from iticket.core.rules import status_label


def describe_activity(a: ActivityPublic, unit_name: Callable[[str | None], str] | None = None) -> str:
    """One human sentence per activity entry. ``unit_name`` turns unit codes into the names
    people know ("Soporte Técnico"); without it the codes are kept (scripts, the CLI)."""
    name = unit_name or (lambda code: code or "—")
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
        return _("{who} moved {t} from {a} to {b}").format(who=who, t=ticket, a=name(a.unit), b=name(a.other_unit))
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
    if k == ActivityKind.USER_ACTIVATED:
        return _("{who} reactivated user {user}").format(who=who, user=a.user)
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
