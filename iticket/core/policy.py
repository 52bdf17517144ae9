"""The permission policy: one pure function per question, and the only place that answers it.

Every service calls these before changing anything, so the CLI, the TUI and the bot get the same
answer. Front ends may use the ``can_*`` predicates to decide what to *offer*; hiding a button is a
courtesy, the ``require_*`` calls in the services are the check.

Rules (from the seed document):
- agent: tickets of the own unit only; assigns them only to users of the own unit; changes status;
  notes; posts tasks in the own unit.
- admin: every ticket of every unit; routes to any unit and assigns to any user of any unit;
  manages (create, deactivate, reset password) only users of the own unit; sees statistics.
- bot: creates tickets and nothing else.
"""

from __future__ import annotations

from iticket.core.errors import PermissionDenied
from iticket.core.i18n import _
from iticket.core.models import Actor, Role


def is_staff(actor: Actor) -> bool:
    return actor.role in (Role.ADMIN, Role.AGENT)


def can_view_ticket(actor: Actor, ticket_unit: str) -> bool:
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.AGENT and ticket_unit == actor.unit


def can_work_ticket(actor: Actor, ticket_unit: str) -> bool:
    """Change status, add notes, take, unassign."""
    return can_view_ticket(actor, ticket_unit)


def can_assign(actor: Actor, ticket_unit: str, target_unit: str) -> bool:
    """Assign a ticket of ``ticket_unit`` to a user of ``target_unit`` (or route it there)."""
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.AGENT and ticket_unit == actor.unit and target_unit == actor.unit


def can_route(actor: Actor, ticket_unit: str, target_unit: str) -> bool:
    """Move a ticket to another unit, unassigned. Only admins route between units."""
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.AGENT and ticket_unit == actor.unit == target_unit


def can_create_ticket(actor: Actor) -> bool:
    return actor.role == Role.BOT


def can_manage_user(actor: Actor, user_unit: str) -> bool:
    return actor.role == Role.ADMIN and actor.unit == user_unit


def can_list_users(actor: Actor, unit: str) -> bool:
    """Staff see who is in their own unit (to assign); admins see every unit (to route)."""
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.AGENT and unit == actor.unit


def can_view_stats(actor: Actor) -> bool:
    return actor.role == Role.ADMIN


def can_view_unit(actor: Actor, unit: str) -> bool:
    """Dashboard, tasks board and recent activity of a unit."""
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.AGENT and unit == actor.unit


def can_post_task(actor: Actor, unit: str) -> bool:
    return is_staff(actor) and unit == actor.unit


def can_complete_task(actor: Actor, unit: str) -> bool:
    return can_view_unit(actor, unit) and is_staff(actor)


# ---------------------------------------------------------------- enforcing variants


def _deny(message: str) -> PermissionDenied:
    return PermissionDenied(message)


def require_staff(actor: Actor) -> None:
    if not is_staff(actor):
        raise _deny(_("The bot account can only create tickets."))


def require_view_ticket(actor: Actor, ticket_id: int, ticket_unit: str) -> None:
    if not can_view_ticket(actor, ticket_unit):
        raise _deny(_("Ticket #{id} belongs to another unit.").format(id=ticket_id))


def require_work_ticket(actor: Actor, ticket_id: int, ticket_unit: str) -> None:
    if not can_work_ticket(actor, ticket_unit):
        raise _deny(_("Ticket #{id} belongs to another unit.").format(id=ticket_id))


def require_assign(actor: Actor, ticket_id: int, ticket_unit: str, target_unit: str) -> None:
    require_work_ticket(actor, ticket_id, ticket_unit)
    if not can_assign(actor, ticket_unit, target_unit):
        raise _deny(_("Only admins can assign tickets to another unit."))


def require_route(actor: Actor, ticket_id: int, ticket_unit: str, target_unit: str) -> None:
    require_work_ticket(actor, ticket_id, ticket_unit)
    if not can_route(actor, ticket_unit, target_unit):
        raise _deny(_("Only admins can move tickets to another unit."))


def require_create_ticket(actor: Actor) -> None:
    if not can_create_ticket(actor):
        raise _deny(_("Only the bot account creates tickets; requesters use WhatsApp."))


def require_manage_user(actor: Actor, user_unit: str) -> None:
    if not can_manage_user(actor, user_unit):
        raise _deny(_("Only an admin of unit '{unit}' can manage its users.").format(unit=user_unit))


def require_list_users(actor: Actor, unit: str) -> None:
    if not can_list_users(actor, unit):
        raise _deny(_("You can only see the users of your own unit."))


def require_stats(actor: Actor) -> None:
    if not can_view_stats(actor):
        raise _deny(_("Statistics and exports are for admins only."))


def require_view_unit(actor: Actor, unit: str) -> None:
    if not can_view_unit(actor, unit):
        raise _deny(_("You can only see your own unit."))


def require_post_task(actor: Actor, unit: str) -> None:
    if not can_post_task(actor, unit):
        raise _deny(_("Tasks can only be posted on your own unit's board."))


def require_complete_task(actor: Actor, unit: str) -> None:
    if not can_complete_task(actor, unit):
        raise _deny(_("That task belongs to another unit's board."))
