"""Helpers shared by the services: loading rows the policy needs (users, units), mapping rows
to public schemas, and writing the activity log."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from iticket.core.db import CHANGED
from iticket.core.errors import NotAuthenticated, NotFound
from iticket.core.i18n import _
from iticket.core.models import (
    Activity,
    ActivityKind,
    ActivityPublic,
    Actor,
    RequesterInfo,
    Role,
    Status,
    Ticket,
    TicketPublic,
    Unit,
    User,
    UserPublic,
)
from iticket.core.rules import fold
from iticket.core.services import stats_rollup
from iticket.core.timeutil import utcnow


def actor_of(user: User) -> Actor:
    assert user.id is not None
    return Actor(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        unit=user.unit_code,
        role=Role(user.role),
        must_change_password=user.must_change_password,
    )


def live_actor(session: Session, actor: Actor) -> Actor:
    """Re-read the actor inside a write: a user deactivated or moved meanwhile loses access now,
    not at the next login."""
    user = session.get(User, actor.id)
    if user is None or not user.active:
        raise NotAuthenticated(_("Your account is no longer active."))
    return actor_of(user)


def user_public(user: User) -> UserPublic:
    assert user.id is not None
    return UserPublic(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        unit=user.unit_code,
        role=Role(user.role),
        active=user.active,
        must_change_password=user.must_change_password,
    )


def get_user_by_name(session: Session, username: str) -> User:
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        raise NotFound(_("User '{name}' does not exist.").format(name=username))
    return user


def unit_code(session: Session, value: str) -> str:
    """The code of the unit ``value`` names: its code or its display name, ignoring case,
    accents and surrounding or repeated spaces ("Soporte Técnico", "soporte tecnico" and
    "SOPORTE" are all ``soporte``). A code wins over another unit's display name. Callers keep
    their own special values ("all", empty) and check the policy after this.

    The units table holds a handful of rows, so it is read whole."""
    wanted = fold(value)
    rows = session.exec(select(Unit.code, Unit.name).order_by(col(Unit.position), col(Unit.code))).all()
    for code, _name in rows:
        if fold(code) == wanted:
            return code
    for code, name in rows:
        if fold(name) == wanted:
            return code
    raise NotFound(
        _("Unit '{value}' does not exist (units: {codes}).").format(
            value=" ".join(value.split()), codes=", ".join(code for code, _name in rows)
        )
    )


def usernames(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.exec(select(User.id, User.username).where(User.id.in_(wanted)))  # type: ignore[union-attr]
    return {uid: name for uid, name in rows if uid is not None}


def ticket_public(ticket: Ticket, assignee: str | None) -> TicketPublic:
    assert ticket.id is not None
    return TicketPublic(
        id=ticket.id,
        status=Status(ticket.status),
        unit=ticket.unit_code,
        assignee=assignee,
        requester=RequesterInfo(
            name=ticket.requester_name,
            sector=ticket.requester_sector,
            extension=ticket.requester_extension,
            phone=ticket.requester_phone,
        ),
        detail=ticket.detail,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        first_assigned_at=ticket.first_assigned_at,
        closed_at=ticket.closed_at,
        resolution_message=ticket.resolution_message,
        version=ticket.version,
    )


def tickets_public(session: Session, tickets: list[Ticket]) -> list[TicketPublic]:
    names = usernames(session, (t.assignee_id for t in tickets))
    return [ticket_public(t, names.get(t.assignee_id or -1)) for t in tickets]


def activity_public(session: Session, rows: list[Activity]) -> list[ActivityPublic]:
    names = usernames(session, [r.actor_id for r in rows] + [r.user_id for r in rows])
    return [
        ActivityPublic(
            id=r.id or 0,
            at=r.at,
            kind=ActivityKind(r.kind),
            actor=names.get(r.actor_id or -1),
            ticket_id=r.ticket_id,
            unit=r.unit_code,
            other_unit=r.other_unit_code,
            user=names.get(r.user_id or -1),
            before=r.before,
            after=r.after,
            detail=r.detail,
        )
        for r in rows
    ]


def log(
    session: Session,
    kind: ActivityKind,
    *,
    actor_id: int | None,
    ticket_id: int | None = None,
    unit: str | None = None,
    other_unit: str | None = None,
    user_id: int | None = None,
    before: str | None = None,
    after: str | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> None:
    session.info[CHANGED] = True  # PostgreSQL: Database.write() notifies live screens
    at = at or utcnow()
    stats_rollup.record(session, kind, ticket_id=ticket_id, unit=unit, actor_id=actor_id, after=after, at=at)
    session.add(
        Activity(
            at=at,
            kind=kind,
            actor_id=actor_id,
            ticket_id=ticket_id,
            unit_code=unit,
            other_unit_code=other_unit,
            user_id=user_id,
            before=before,
            after=after,
            detail=detail,
        )
    )
