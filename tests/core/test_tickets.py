"""Ticket rules: status transitions, routing, versions, notes, notifications, listing."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from iticket.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from iticket.core.models import ActivityKind, OutboundMessage, Status
from iticket.core.services import tickets, users
from tests.core.helpers import new_ticket


def outbox(db):
    with db.read() as s:
        return [(m.purpose, json.loads(m.body)) for m in s.exec(select(OutboundMessage).order_by(OutboundMessage.id))]


def test_new_ticket_lands_in_helpdesk_pending_and_notifies(db, actors):
    t = new_ticket(db, actors)
    assert (t.status, t.unit, t.assignee, t.version) == (Status.PENDING, "helpdesk", None, 1)
    assert t.created_at.tzinfo is not None
    assert outbox(db) == [("ticket_created", {"ticket": t.id})]
    detail = tickets.show_ticket(db, t.id, actor=actors["helpdesk"])
    assert [a.kind for a in detail.activity] == [ActivityKind.TICKET_CREATED]
    assert detail.activity[0].actor == "wspbot"


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", " "), ("sector", ""), ("extension", ""), ("detail", "   "), ("phone", "12ab")],
)
def test_create_rejects_bad_input_and_writes_nothing(db, actors, field, value):
    fields = dict(name="Ana", sector="Guardia", extension="123", phone="5491100000001", detail="No anda")
    fields[field] = value
    with pytest.raises(ValidationError):
        tickets.create_ticket(db, actor=actors["wspbot"], **fields)
    assert tickets.list_tickets(db, actor=actors["helpdesk"]).tickets == []
    assert outbox(db) == []


def test_assign_makes_in_progress_and_moves_to_the_users_unit(db, actors):
    t = new_ticket(db, actors)
    t = tickets.assign(db, t.id, to_user="sofia", actor=actors["helpdesk"])
    assert (t.status, t.unit, t.assignee, t.version) == (Status.IN_PROGRESS, "soporte", "sofia", 2)
    assert t.first_assigned_at is not None
    kinds = [a.kind for a in tickets.show_ticket(db, t.id, actor=actors["soporte"]).activity]
    assert kinds == [ActivityKind.TICKET_CREATED, ActivityKind.MOVED, ActivityKind.ASSIGNED,
                     ActivityKind.STATUS_CHANGED]


def test_unassign_makes_pending_and_reassign_keeps_first_assignment_time(db, actors):
    t = new_ticket(db, actors, assignee="ana")
    first = t.first_assigned_at
    t = tickets.unassign(db, t.id, actor=actors["ana"])
    assert (t.status, t.assignee) == (Status.PENDING, None)
    t = tickets.take(db, t.id, actor=actors["ana"])
    assert (t.status, t.assignee, t.first_assigned_at) == (Status.IN_PROGRESS, "ana", first)
    with pytest.raises(Conflict):
        tickets.unassign(db, tickets.unassign(db, t.id, actor=actors["ana"]).id, actor=actors["ana"])


def test_route_to_unit_leaves_it_unassigned_and_pending(db, actors):
    t = new_ticket(db, actors, assignee="ana")
    t = tickets.route(db, t.id, to_unit="desarrollo", actor=actors["helpdesk"])
    assert (t.status, t.unit, t.assignee) == (Status.PENDING, "desarrollo", None)
    with pytest.raises(NotFound):
        tickets.route(db, t.id, to_unit="cocina", actor=actors["helpdesk"])


def test_resolve_reject_reopen_rules(db, actors):
    t = new_ticket(db, actors, assignee="ana")
    t = tickets.resolve(db, t.id, actor=actors["ana"], message="Cambiamos el tóner")
    assert (t.status, t.resolution_message) == (Status.RESOLVED, "Cambiamos el tóner")
    assert t.closed_at is not None
    for bad in (
        lambda: tickets.resolve(db, t.id, actor=actors["ana"]),
        lambda: tickets.reject(db, t.id, actor=actors["ana"], reason="x"),
        lambda: tickets.assign(db, t.id, to_user="ana", actor=actors["ana"]),
        lambda: tickets.take(db, t.id, actor=actors["ana"]),
    ):
        with pytest.raises(Conflict):
            bad()
    t = tickets.reopen(db, t.id, actor=actors["ana"])
    assert (t.status, t.assignee, t.closed_at, t.resolution_message) == (Status.PENDING, None, None, None)
    with pytest.raises(Conflict):
        tickets.reopen(db, t.id, actor=actors["ana"])
    with pytest.raises(ValidationError):
        tickets.reject(db, t.id, actor=actors["ana"], reason="  ")
    t = tickets.reject(db, t.id, actor=actors["ana"], reason="Es un pedido de compras")
    assert t.status == Status.REJECTED
    purposes = [p for p, _ in outbox(db)]
    assert purposes == ["ticket_created", "ticket_resolved", "ticket_rejected"]
    assert outbox(db)[1][1] == {"ticket": t.id, "message": "Cambiamos el tóner"}
    assert outbox(db)[2][1] == {"ticket": t.id, "message": "Es un pedido de compras"}


def test_resolve_from_pending_is_allowed(db, actors):
    t = new_ticket(db, actors)
    assert tickets.resolve(db, t.id, actor=actors["ana"]).status == Status.RESOLVED


def test_stale_version_is_a_conflict_and_changes_nothing(db, actors):
    t = new_ticket(db, actors)
    tickets.assign(db, t.id, to_user="ana", actor=actors["helpdesk"], expected_version=1)
    with pytest.raises(Conflict):
        tickets.resolve(db, t.id, actor=actors["helpdesk"], expected_version=1)
    after = tickets.get_ticket(db, t.id, actor=actors["helpdesk"])
    assert (after.status, after.version) == (Status.IN_PROGRESS, 2)


def test_take_refuses_a_ticket_someone_else_has(db, actors):
    t = new_ticket(db, actors, assignee="ana")
    with pytest.raises(Conflict, match="ana"):
        tickets.take(db, t.id, actor=actors["helpdesk"])


def test_assigning_to_the_current_assignee_changes_nothing(db, actors):
    t = new_ticket(db, actors, assignee="ana")
    again = tickets.assign(db, t.id, to_user="ana", actor=actors["ana"])
    assert again.version == t.version


def test_cannot_assign_to_bot_inactive_or_unknown(db, actors):
    t = new_ticket(db, actors)
    with pytest.raises(ValidationError):
        tickets.assign(db, t.id, to_user="wspbot", actor=actors["helpdesk"])
    with pytest.raises(NotFound):
        tickets.assign(db, t.id, to_user="nadie", actor=actors["helpdesk"])
    users.deactivate_user(db, "sofia", actor=actors["soporte"])
    with pytest.raises(Conflict):
        tickets.assign(db, t.id, to_user="sofia", actor=actors["helpdesk"])


def test_unknown_ticket_is_not_found(db, actors):
    with pytest.raises(NotFound):
        tickets.show_ticket(db, 999, actor=actors["helpdesk"])
    with pytest.raises(NotFound):
        tickets.take(db, 999, actor=actors["helpdesk"])


def test_notes_are_private_and_never_queued(db, actors):
    t = new_ticket(db, actors, assignee="ana")
    secret = "La clave del router es 1234"
    with pytest.raises(ValidationError):
        tickets.add_note(db, t.id, "  ", actor=actors["ana"])
    note = tickets.add_note(db, t.id, secret, actor=actors["ana"])
    tickets.resolve(db, t.id, actor=actors["ana"], message="Listo")
    detail = tickets.show_ticket(db, t.id, actor=actors["helpdesk"])
    assert [n.text for n in detail.notes] == [secret] and note.author == "ana"
    with db.read() as s:
        assert all(secret not in m.body for m in s.exec(select(OutboundMessage)))


def test_deactivating_a_user_returns_open_tickets_to_the_unit(db, actors):
    a = new_ticket(db, actors, assignee="sofia")
    b = new_ticket(db, actors, assignee="sofia")
    tickets.resolve(db, b.id, actor=actors["sofia"])
    user, returned = users.deactivate_user(db, "sofia", actor=actors["soporte"])
    assert not user.active and returned == [a.id]
    t = tickets.get_ticket(db, a.id, actor=actors["soporte"])
    assert (t.status, t.assignee, t.unit) == (Status.PENDING, None, "soporte")
    kinds = [x.kind for x in tickets.show_ticket(db, a.id, actor=actors["soporte"]).activity]
    assert kinds[-2:] == [ActivityKind.UNASSIGNED, ActivityKind.STATUS_CHANGED]
    assert tickets.get_ticket(db, b.id, actor=actors["soporte"]).assignee == "sofia"


def test_list_filters_and_keyset_pages(db, actors):
    made = [new_ticket(db, actors, detail=f"Problema número {i}") for i in range(7)]
    tickets.assign(db, made[0].id, to_user="ana", actor=actors["helpdesk"])
    hd = actors["helpdesk"]
    seen, cursor = [], None
    while True:
        page = tickets.list_tickets(db, actor=hd, limit=3, after=cursor)
        seen += [t.id for t in page.tickets]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [t.id for t in made]
    newest = tickets.list_tickets(db, actor=hd, limit=2, newest_first=True).tickets
    assert [t.id for t in newest] == [made[-1].id, made[-2].id]
    f = tickets.TicketFilter
    assert [t.id for t in tickets.list_tickets(db, actor=hd, filter=f(assignee="ana")).tickets] == [made[0].id]
    assert len(tickets.list_tickets(db, actor=hd, filter=f(assignee="none")).tickets) == 6
    assert len(tickets.list_tickets(db, actor=hd, filter=f(statuses=(Status.IN_PROGRESS,))).tickets) == 1
    assert [t.id for t in tickets.list_tickets(db, actor=hd, filter=f(search="número 3")).tickets] == [made[3].id]
    assert [t.id for t in tickets.list_tickets(db, actor=hd, filter=f(search=f"#{made[5].id}")).tickets] == [made[5].id]
    assert tickets.count_by_status(db, actor=hd, unit="helpdesk")[Status.PENDING] == 6


@pytest.mark.parametrize(("text", "expected"), [
    ("open", (Status.PENDING, Status.IN_PROGRESS)), ("all", ()), ("in-progress", (Status.IN_PROGRESS,)),
    ("resolved,rejected", (Status.RESOLVED, Status.REJECTED)),
])
def test_parse_status(text, expected):
    assert tickets.parse_status(text) == expected


def test_parse_status_rejects_unknown():
    with pytest.raises(ValidationError):
        tickets.parse_status("closedd")


def test_units_are_named_by_code_or_display_name(db, actors):
    """Listing and routing take a unit's display name, any case, with or without accents."""
    hd = actors["helpdesk"]
    a = new_ticket(db, actors)
    b = new_ticket(db, actors, unit="soporte")
    for value in ("Soporte Técnico", "soporte tecnico", "SOPORTE", " soporte "):
        page = tickets.list_tickets(db, actor=hd, filter=tickets.TicketFilter(unit=value))
        assert [t.id for t in page.tickets] == [b.id], value
    assert tickets.count_by_status(db, actor=hd, unit="Soporte Técnico")[Status.PENDING] == 1
    moved = tickets.route(db, a.id, to_unit="DESARROLLO", actor=hd)
    assert moved.unit == "desarrollo"
    # an agent's own unit by name is fine; another unit by name is still not theirs
    sofia = actors["sofia"]
    mine = tickets.list_tickets(db, actor=sofia, filter=tickets.TicketFilter(unit="soporte técnico"))
    assert [t.id for t in mine.tickets] == [b.id]
    with pytest.raises(PermissionDenied):
        tickets.list_tickets(db, actor=sofia, filter=tickets.TicketFilter(unit="HelpDesk"))


def test_unknown_unit_lists_the_valid_codes(db, actors):
    hd = actors["helpdesk"]
    t = new_ticket(db, actors)
    expected = "Unit 'sporte' does not exist (units: helpdesk, soporte, desarrollo, seguridad)."
    with pytest.raises(NotFound) as info:
        tickets.list_tickets(db, actor=hd, filter=tickets.TicketFilter(unit="sporte"))
    assert str(info.value) == expected
    with pytest.raises(NotFound) as info:
        tickets.route(db, t.id, to_unit="sporte", actor=hd)
    assert str(info.value) == expected
    with pytest.raises(NotFound) as info:
        tickets.count_by_status(db, actor=hd, unit="sporte")
    assert str(info.value) == expected
    # the unit is checked before the policy: an agent learns the name is wrong, not "forbidden"
    with pytest.raises(NotFound):
        tickets.list_tickets(db, actor=actors["sofia"], filter=tickets.TicketFilter(unit="sporte"))
