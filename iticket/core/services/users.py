"""Staff accounts: listing, creating, deactivating, resetting passwords.

Admins manage only their own unit's users (policy); everyone may list the users they can assign
to, which is what the assign dialogs need.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import func
from sqlmodel import select

from iticket.core.db import Database
from iticket.core.errors import Conflict, ValidationError
from iticket.core.i18n import _
from iticket.core.models import (
    ActivityKind,
    Actor,
    AuthToken,
    Role,
    Status,
    Ticket,
    Unit,
    UnitPublic,
    User,
    UserPublic,
)
from iticket.core.passwords import check_new_password, hash_password
from iticket.core.policy import require_list_users, require_manage_user, require_staff
from iticket.core.services._common import (
    get_user_by_name,
    live_actor,
    log,
    unit_code,
    user_public,
)
from iticket.core.services.auth import set_password
from iticket.core.timeutil import utcnow

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


def _temporary_password(username: str, full_name: str) -> str:
    """A random password the rules accept (a random one failing them is all but impossible,
    but a generated password must never be refused)."""
    while True:
        password = secrets.token_urlsafe(9)
        try:
            check_new_password(username, password, full_name=full_name)
        except ValidationError:
            continue
        return password


def list_units(db: Database) -> list[UnitPublic]:
    with db.read() as session:
        rows = session.exec(select(Unit).order_by(Unit.position, Unit.code)).all()  # type: ignore[arg-type]
        return [UnitPublic(code=u.code, name=u.name) for u in rows]


def get_unit(db: Database, code: str) -> UnitPublic:
    with db.read() as session:
        unit = session.get(Unit, unit_code(session, code))
        assert unit is not None
        return UnitPublic(code=unit.code, name=unit.name)


def list_users(
    db: Database, *, actor: Actor, unit: str | None = None, include_inactive: bool = False
) -> list[UserPublic]:
    """Users of ``unit`` (default: the actor's unit; ``"all"`` for every unit, admins only)."""
    require_staff(actor)
    with db.read() as session:
        query = select(User).where(User.role != Role.BOT)
        if (unit or "").strip().lower() != "all":
            code = unit_code(session, unit or actor.unit)
            require_list_users(actor, code)
            query = query.where(User.unit_code == code)
        else:
            require_list_users(actor, "*")
        if not include_inactive:
            query = query.where(User.active == True)  # noqa: E712
        rows = session.exec(query.order_by(User.unit_code, User.username)).all()  # type: ignore[arg-type]
        return [user_public(u) for u in rows]


def get_user(db: Database, username: str, *, actor: Actor) -> UserPublic:
    require_staff(actor)
    with db.read() as session:
        user = get_user_by_name(session, username)
        require_list_users(actor, user.unit_code)
        return user_public(user)


def add_user(
    db: Database,
    username: str,
    *,
    full_name: str,
    actor: Actor,
    unit: str | None = None,
    role: Role = Role.AGENT,
    password: str | None = None,
) -> tuple[UserPublic, str | None]:
    """Create a staff user in the admin's own unit.

    Without ``password`` a random temporary one is generated and returned (shown once), and the
    user must change it at first login."""
    name = username.strip().lower()
    if not USERNAME_RE.match(name):
        raise ValidationError(
            _("Invalid username '{name}': 2-63 lowercase letters, digits, '.', '_' or '-'.").format(
                name=username
            )
        )
    full = full_name.strip()
    if not full:
        raise ValidationError(_("The full name cannot be empty."))
    if role not in (Role.AGENT, Role.ADMIN):
        raise ValidationError(_("The role must be 'agent' or 'admin'."))
    generated: str | None = None
    if password is None:
        generated = password = _temporary_password(name, full)
    check_new_password(name, password, full_name=full)
    with db.write() as session:
        actor = live_actor(session, actor)
        code = unit_code(session, unit or actor.unit)
        require_manage_user(actor, code)
        exists = session.exec(select(func.count()).select_from(User).where(User.username == name)).one()
        if exists:
            raise Conflict(_("User '{name}' already exists.").format(name=name))
        user = User(
            username=name,
            full_name=full[:200],
            unit_code=code,
            role=role,
            password_hash=hash_password(password),
            must_change_password=generated is not None,
        )
        session.add(user)
        session.flush()
        log(session, ActivityKind.USER_CREATED, actor_id=actor.id, user_id=user.id, unit=code,
            after=role)
        return user_public(user), generated


def reset_password(
    db: Database, username: str, *, actor: Actor, password: str | None = None
) -> tuple[UserPublic, str | None]:
    """An admin sets a new password for a user of the own unit (must be changed at next login).
    Without ``password`` a random one is generated and returned."""
    generated: str | None = None
    with db.write() as session:
        actor = live_actor(session, actor)
        user = get_user_by_name(session, username)
        require_manage_user(actor, user.unit_code)
        if password is None:
            generated = password = _temporary_password(user.username, user.full_name)
        set_password(session, user, password, actor=actor, forced_change=True)
        return user_public(user), generated


def deactivate_user(db: Database, username: str, *, actor: Actor) -> tuple[UserPublic, list[int]]:
    """Deactivate a user of the own unit. Their open tickets go back to the unit as pending
    (logged one by one) and their sessions and tokens stop working. Returns the ticket ids."""
    with db.write() as session:
        actor = live_actor(session, actor)
        user = get_user_by_name(session, username)
        require_manage_user(actor, user.unit_code)
        if user.id == actor.id:
            raise Conflict(_("You cannot deactivate your own account."))
        if user.role == Role.BOT:
            raise Conflict(
                _("'{name}' is the WhatsApp bot account: without it no ticket can be filed. "
                  "Revoke its tokens with 'iticket token revoke' instead.").format(name=user.username)
            )
        if not user.active:
            raise Conflict(_("User '{name}' is already inactive.").format(name=user.username))
        user.active = False
        session.add(user)
        now = utcnow()
        returned: list[int] = []
        open_tickets = session.exec(
            select(Ticket).where(
                Ticket.assignee_id == user.id,
                Ticket.status.in_([Status.PENDING, Status.IN_PROGRESS]),  # type: ignore[attr-defined]
            )
        ).all()
        for ticket in open_tickets:
            assert ticket.id is not None
            before = ticket.status
            ticket.assignee_id = None
            ticket.status = Status.PENDING
            ticket.updated_at = now
            ticket.version += 1
            session.add(ticket)
            log(session, ActivityKind.UNASSIGNED, actor_id=actor.id, ticket_id=ticket.id,
                unit=ticket.unit_code, user_id=user.id, before=user.username,
                detail="user_deactivated", at=now)
            if before != Status.PENDING:
                log(session, ActivityKind.STATUS_CHANGED, actor_id=actor.id, ticket_id=ticket.id,
                    unit=ticket.unit_code, before=before, after=Status.PENDING, at=now)
            returned.append(ticket.id)
        for token in session.exec(
            select(AuthToken).where(AuthToken.user_id == user.id, AuthToken.revoked_at == None)  # noqa: E711
        ):
            token.revoked_at = now
            session.add(token)
        log(session, ActivityKind.USER_DEACTIVATED, actor_id=actor.id, user_id=user.id,
            unit=user.unit_code, detail=",".join(map(str, returned)) or None)
        return user_public(user), returned


def activate_user(db: Database, username: str, *, actor: Actor) -> UserPublic:
    """Undo a deactivation (an admin of the user's unit). Sessions and tokens revoked at
    deactivation stay revoked; the user logs in again."""
    with db.write() as session:
        actor = live_actor(session, actor)
        user = get_user_by_name(session, username)
        require_manage_user(actor, user.unit_code)
        if user.active:
            raise Conflict(_("User '{name}' is already active.").format(name=user.username))
        user.active = True
        user.failed_logins = 0
        user.locked_until = None
        session.add(user)
        log(session, ActivityKind.USER_ACTIVATED, actor_id=actor.id, user_id=user.id,
            unit=user.unit_code)
        return user_public(user)
