"""Builders for core tests: a ticket filed by the bot, optionally routed or assigned."""

from __future__ import annotations

from iticket.core.db import Database
from iticket.core.models import Actor, TicketPublic
from iticket.core.services import tickets


def new_ticket(
    db: Database,
    actors: dict[str, Actor],
    *,
    detail: str = "La impresora de guardia no imprime",
    phone: str | None = "5491100000001",
    unit: str | None = None,
    assignee: str | None = None,
) -> TicketPublic:
    t = tickets.create_ticket(
        db, actor=actors["wspbot"], name="Lucía Fernández", sector="Guardia", extension="4321",
        phone=phone, detail=detail,
    )
    if unit and unit != "helpdesk":
        t = tickets.route(db, t.id, to_unit=unit, actor=actors["helpdesk"])
    if assignee:
        t = tickets.assign(db, t.id, to_user=assignee, actor=actors["helpdesk"])
    return t
