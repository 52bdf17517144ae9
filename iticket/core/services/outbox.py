"""Queue messages for requesters in the same transaction as the change that causes them.

Core records *what happened* (purpose and parameters); the bot's sender turns it into Spanish
text from its catalogue and delivers it. Only the parameters listed here ever reach a requester:
the ticket number, the resolution message and the rejection reason. Private notes are never a
parameter, by construction.
"""

from __future__ import annotations

import json

from sqlmodel import Session

from iticket.core.models import ActivityKind, OutboundMessage, Ticket
from iticket.core.services._common import log

TICKET_CREATED = "ticket_created"
TICKET_RESOLVED = "ticket_resolved"
TICKET_REJECTED = "ticket_rejected"
REPLY = "reply"


def notify_requester(session: Session, ticket: Ticket, purpose: str, *, message: str | None = None) -> None:
    if not ticket.requester_phone:
        return
    params: dict[str, object] = {"ticket": ticket.id}
    if message:
        params["message"] = message
    session.add(
        OutboundMessage(
            to_wa_id=ticket.requester_phone,
            ticket_id=ticket.id,
            purpose=purpose,
            body=json.dumps(params, ensure_ascii=False),
        )
    )


def queue_reply(session: Session, to_wa_id: str, message: dict[str, object]) -> None:
    """A conversational reply built by the bot (already rendered WhatsApp message content)."""
    session.add(
        OutboundMessage(
            to_wa_id=to_wa_id,
            purpose=REPLY,
            body=json.dumps(message, ensure_ascii=False),
        )
    )


def record_undeliverable(session: Session, message: OutboundMessage, *, code: int | None,
                         error: str) -> None:
    """Give up on a message: it becomes ``dead`` and, when it concerns a ticket, the ticket's
    activity says so (staff then know the requester was not told)."""
    message.state = "dead"
    message.last_error_code = code
    message.last_error = error[:2000]
    session.add(message)
    if message.ticket_id is not None:
        ticket = session.get(Ticket, message.ticket_id)
        log(session, ActivityKind.NOTIFICATION_FAILED, actor_id=None, ticket_id=message.ticket_id,
            unit=ticket.unit_code if ticket else None, before=message.purpose,
            after=str(code) if code is not None else None, detail=error[:500])
