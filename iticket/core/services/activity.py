"""Reading the activity log: a unit's recent activity (dashboard) and a ticket's timeline."""

from __future__ import annotations

from typing import Any

from sqlalchemy import union_all
from sqlmodel import col, select

from iticket.core.db import Database
from iticket.core.errors import NotFound, ValidationError
from iticket.core.i18n import _
from iticket.core.models import Activity, ActivityKind, ActivityPublic, Actor, Role, Ticket
from iticket.core.policy import require_staff, require_view_ticket, require_view_unit
from iticket.core.services._common import activity_public, unit_code

# Security events are for admins; the dashboard shows what happened to tickets and tasks.
_PRIVATE_KINDS = (ActivityKind.LOGIN_FAILED, ActivityKind.ACCOUNT_LOCKED)


def recent_activity(
    db: Database,
    *,
    actor: Actor,
    unit: str | None = None,
    ticket_id: int | None = None,
    limit: int = 50,
    before_id: int | None = None,
) -> list[ActivityPublic]:
    """Newest first. With ``ticket_id``: that ticket's timeline. Otherwise a unit's activity
    (default the actor's; ``"all"`` for admins). Keyset-paged by ``before_id``."""
    require_staff(actor)
    if not 1 <= limit <= 1000:
        raise ValidationError(_("The limit must be between 1 and {max}.").format(max=1000))
    with db.read() as session:
        query = select(Activity)
        conds: list[Any] = []
        if before_id is not None:
            conds.append(col(Activity.id) < before_id)
        if actor.role != Role.ADMIN and ticket_id is None:
            conds.append(col(Activity.kind).not_in(list(_PRIVATE_KINDS)))
        if ticket_id is not None:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise NotFound(_("Ticket #{id} does not exist.").format(id=ticket_id))
            require_view_ticket(actor, ticket_id, ticket.unit_code)
            query = query.where(Activity.ticket_id == ticket_id)
        else:
            if (unit or "").strip().lower() == "all":
                require_view_unit(actor, "*")
            else:
                code = unit_code(session, unit or actor.unit)
                require_view_unit(actor, code)
                # Newest ``limit`` ids from each index, (unit, id) and (other_unit, id), merged:
                # ``unit = x OR other_unit = x`` makes the engine gather and sort every row of
                # the unit (millions at a million tickets) to return fifty.
                branches = [
                    select(Activity.id).where(column == code, *conds)
                    .order_by(col(Activity.id).desc()).limit(limit).subquery()
                    for column in (Activity.unit_code, Activity.other_unit_code)
                ]
                query = query.where(
                    col(Activity.id).in_(union_all(*(select(b.c.id) for b in branches)))
                )
                conds = []  # already applied inside each branch
        rows = session.exec(
            query.where(*conds).order_by(col(Activity.id).desc()).limit(limit)
        ).all()
        return activity_public(session, list(rows))
