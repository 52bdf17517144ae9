"""Queue messages for requesters in the same transaction as the change that causes them.

Core records *what happened* (purpose and parameters); the bot's sender turns it into Spanish
text from its catalogue and delivers it. Only the parameters listed here ever reach a requester:
the ticket number, the resolution message and the rejection reason. Private notes are never a
parameter, by construction.
"""

from __future__ import annotations

import json

from sqlmodel import Session

from iticket.core.models import OutboundMessage, Ticket

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
