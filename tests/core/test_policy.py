"""The permission matrix, exhaustively: each role × each action × own unit / other unit,
first on the pure policy, then through the services (the UI-independent check)."""

from __future__ import annotations

from datetime import date

import pytest

from iticket.core import policy
from iticket.core.errors import PermissionDenied
from iticket.core.models import Actor, Role
from iticket.core.services import activity, auth, tasks, tickets, users
from tests.core.helpers import new_ticket

OWN, OTHER = "helpdesk", "soporte"


def actor(role: Role) -> Actor:
    return Actor(id=1, username="x", full_name="X", unit=OWN, role=role)


# (predicate, args for own unit, args for other unit, expected per role: (own, other))
MATRIX = {
    "view_ticket": (policy.can_view_ticket, {Role.ADMIN: (True, True), Role.AGENT: (True, False), Role.BOT: (False, False)}),
    "work_ticket": (policy.can_work_ticket, {Role.ADMIN: (True, True), Role.AGENT: (True, False), Role.BOT: (False, False)}),
    "manage_user": (policy.can_manage_user, {Role.ADMIN: (True, False), Role.AGENT: (False, False), Role.BOT: (False, False)}),
    "list_users": (policy.can_list_users, {Role.ADMIN: (True, True), Role.AGENT: (True, False), Role.BOT: (False, False)}),
    "view_unit": (policy.can_view_unit, {Role.ADMIN: (True, True), Role.AGENT: (True, False), Role.BOT: (False, False)}),
    "post_task": (policy.can_post_task, {Role.ADMIN: (True, False), Role.AGENT: (True, False), Role.BOT: (False, False)}),
    "complete_task": (policy.can_complete_task, {Role.ADMIN: (True, True), Role.AGENT: (True, False), Role.BOT: (False, False)}),
}


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("action", sorted(MATRIX))
def test_unit_scoped_matrix(action: str, role: Role) -> None:
    predicate, expected = MATRIX[action]
    a = actor(role)
    assert (predicate(a, OWN), predicate(a, OTHER)) == expected[role]


@pytest.mark.parametrize(
    ("role", "ticket_unit", "target_unit", "allowed"),
    [
        (Role.ADMIN, OWN, OWN, True), (Role.ADMIN, OWN, OTHER, True),
        (Role.ADMIN, OTHER, OTHER, True), (Role.ADMIN, OTHER, OWN, True),
        (Role.AGENT, OWN, OWN, True), (Role.AGENT, OWN, OTHER, False),
        (Role.AGENT, OTHER, OTHER, False), (Role.AGENT, OTHER, OWN, False),
        (Role.BOT, OWN, OWN, False), (Role.BOT, OWN, OTHER, False),
        (Role.BOT, OTHER, OTHER, False), (Role.BOT, OTHER, OWN, False),
    ],
)
def test_assign_and_route_matrix(role: Role, ticket_unit: str, target_unit: str, allowed: bool) -> None:
    a = actor(role)
    assert policy.can_assign(a, ticket_unit, target_unit) is allowed
    assert policy.can_route(a, ticket_unit, target_unit) is allowed


@pytest.mark.parametrize(("role", "allowed"), [(Role.ADMIN, False), (Role.AGENT, False), (Role.BOT, True)])
def test_only_the_bot_creates_tickets(role: Role, allowed: bool) -> None:
    assert policy.can_create_ticket(actor(role)) is allowed


@pytest.mark.parametrize(("role", "allowed"), [(Role.ADMIN, True), (Role.AGENT, False), (Role.BOT, False)])
def test_only_admins_see_stats(role: Role, allowed: bool) -> None:
    assert policy.can_view_stats(actor(role)) is allowed


# ------------------------------------------------------------------ through the services

# Actors: admin and agent of helpdesk (OWN), bot. Tickets: one in helpdesk, one in soporte.
ROLES = {"admin": "helpdesk", "agent": "ana", "bot": "wspbot"}

SERVICE_ACTIONS = {
    "show": lambda db, a, t: tickets.show_ticket(db, t, actor=a),
    "note": lambda db, a, t: tickets.add_note(db, t, "nota", actor=a),
    "take": lambda db, a, t: tickets.take(db, t, actor=a),
    "resolve": lambda db, a, t: tickets.resolve(db, t, actor=a, message="listo"),
    "reject": lambda db, a, t: tickets.reject(db, t, actor=a, reason="no corresponde"),
    "assign_same_unit": lambda db, a, t: tickets.assign(db, t, to_user="ana", actor=a),
    "assign_other_unit": lambda db, a, t: tickets.assign(db, t, to_user="sofia", actor=a),
    "route_other_unit": lambda db, a, t: tickets.route(db, t, to_unit="desarrollo", actor=a),
    "timeline": lambda db, a, t: activity.recent_activity(db, actor=a, ticket_id=t),
}

# expected[(role, action)] = (own-unit ticket allowed, other-unit ticket allowed)
EXPECTED = {
    ("admin", "show"): (True, True), ("agent", "show"): (True, False), ("bot", "show"): (False, False),
    ("admin", "note"): (True, True), ("agent", "note"): (True, False), ("bot", "note"): (False, False),
    ("admin", "take"): (True, True), ("agent", "take"): (True, False), ("bot", "take"): (False, False),
    ("admin", "resolve"): (True, True), ("agent", "resolve"): (True, False), ("bot", "resolve"): (False, False),
    ("admin", "reject"): (True, True), ("agent", "reject"): (True, False), ("bot", "reject"): (False, False),
    ("admin", "assign_same_unit"): (True, True), ("agent", "assign_same_unit"): (True, False),
    ("bot", "assign_same_unit"): (False, False),
    ("admin", "assign_other_unit"): (True, True), ("agent", "assign_other_unit"): (False, False),
    ("bot", "assign_other_unit"): (False, False),
    ("admin", "route_other_unit"): (True, True), ("agent", "route_other_unit"): (False, False),
    ("bot", "route_other_unit"): (False, False),
    ("admin", "timeline"): (True, True), ("agent", "timeline"): (True, False), ("bot", "timeline"): (False, False),
}


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("action", sorted(SERVICE_ACTIONS))
@pytest.mark.parametrize("where", ["own", "other"])
def test_services_enforce_the_policy(db, actors, role: str, action: str, where: str) -> None:
    ticket = new_ticket(db, actors, unit=OWN if where == "own" else OTHER)
    allowed = EXPECTED[(role, action)][0 if where == "own" else 1]
    call = SERVICE_ACTIONS[action]
    if allowed:
        call(db, actors[ROLES[role]], ticket.id)
    else:
        with pytest.raises(PermissionDenied):
            call(db, actors[ROLES[role]], ticket.id)


def test_agent_listing_is_scoped_to_own_unit(db, actors) -> None:
    mine = new_ticket(db, actors)
    new_ticket(db, actors, unit=OTHER)
    page = tickets.list_tickets(db, actor=actors["ana"])
    assert [t.id for t in page.tickets] == [mine.id]
    with pytest.raises(PermissionDenied):
        tickets.list_tickets(db, actor=actors["ana"], filter=tickets.TicketFilter(unit=OTHER))
    assert len(tickets.list_tickets(db, actor=actors["helpdesk"]).tickets) == 2
    with pytest.raises(PermissionDenied):
        tickets.count_by_status(db, actor=actors["ana"], unit=OTHER)


@pytest.mark.parametrize(
    ("who", "unit", "allowed"),
    [("helpdesk", "helpdesk", True), ("helpdesk", "soporte", False), ("ana", "helpdesk", False),
     ("wspbot", "helpdesk", False)],
)
def test_user_management_only_own_unit_admin(db, actors, who: str, unit: str, allowed: bool) -> None:
    def attempts() -> list:
        return [
            lambda: users.add_user(db, "nuevo", full_name="Nuevo", actor=actors[who], unit=unit, password="una-clave-larga"),
            lambda: users.reset_password(db, {"helpdesk": "ana", "soporte": "sofia"}[unit], actor=actors[who]),
            lambda: users.deactivate_user(db, {"helpdesk": "ana", "soporte": "diego"}[unit], actor=actors[who]),
        ]

    for attempt in attempts():
        if allowed:
            attempt()
        else:
            with pytest.raises(PermissionDenied):
                attempt()


def test_agents_and_bot_cannot_create_tokens_for_others(db, actors) -> None:
    with pytest.raises(PermissionDenied):
        auth.create_token(db, "x", actor=actors["ana"], for_user="wspbot")
    with pytest.raises(PermissionDenied):
        auth.create_token(db, "x", actor=actors["soporte"], for_user="wspbot")
    auth.create_token(db, "bot", actor=actors["helpdesk"], for_user="wspbot")


@pytest.mark.parametrize("who", ["ana", "helpdesk"])
def test_tasks_only_on_own_board(db, actors, who: str) -> None:
    task = tasks.add_task(db, "Revisar UPS", actor=actors["sofia"], day=date(2026, 1, 5))
    assert task.unit == "soporte"
    if who == "helpdesk":  # admins may look at and tick another unit's board
        assert tasks.list_tasks(db, actor=actors[who], day=date(2026, 1, 5), unit="soporte")
        tasks.complete_task(db, task.id, actor=actors[who])
    else:
        with pytest.raises(PermissionDenied):
            tasks.list_tasks(db, actor=actors[who], day=date(2026, 1, 5), unit="soporte")
        with pytest.raises(PermissionDenied):
            tasks.complete_task(db, task.id, actor=actors[who])


def test_bot_cannot_do_staff_things(db, actors) -> None:
    bot = actors["wspbot"]
    for attempt in (
        lambda: tickets.list_tickets(db, actor=bot),
        lambda: tasks.add_task(db, "x", actor=bot, day=date(2026, 1, 1)),
        lambda: users.list_users(db, actor=bot),
        lambda: activity.recent_activity(db, actor=bot),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
