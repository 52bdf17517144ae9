"""Reading the activity log: a unit's recent activity (dashboard) and a ticket's timeline."""

from __future__ import annotations

from sqlmodel import col, or_, select

from iticket.core.db import Database
from iticket.core.errors import NotFound, ValidationError
from iticket.core.i18n import _
from iticket.core.models import Activity, ActivityKind, ActivityPublic, Actor, Role, Ticket
from iticket.core.policy import require_staff, require_view_ticket, require_view_unit
from iticket.core.services._common import activity_public

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
        if ticket_id is not None:
            ticket = session.get(Ticket, ticket_id)
            if ticket is None:
                raise NotFound(_("Ticket #{id} does not exist.").format(id=ticket_id))
            require_view_ticket(actor, ticket_id, ticket.unit_code)
            query = query.where(Activity.ticket_id == ticket_id)
        else:
            code = (unit or actor.unit).strip().lower()
            if code == "all":
                require_view_unit(actor, "*")
            else:
                require_view_unit(actor, code)
                query = query.where(
                    or_(Activity.unit_code == code, Activity.other_unit_code == code)
                )
            if actor.role != Role.ADMIN:
                query = query.where(col(Activity.kind).not_in(list(_PRIVATE_KINDS)))
        if before_id is not None:
            query = query.where(col(Activity.id) < before_id)
        rows = session.exec(query.order_by(col(Activity.id).desc()).limit(limit)).all()
        return activity_public(session, list(rows))
