"""Ticket use cases: create (bot), list (keyset-paginated), show, assign/route/take/unassign,
resolve/reject/reopen, private notes.

Every change bumps ``version`` with a compare-and-set ``UPDATE … WHERE version = :seen``, so a
change made against a stale version fails with ``Conflict`` instead of overwriting; callers that
showed the ticket to a person pass ``expected_version``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, tuple_, union_all, update
from sqlmodel import Session, col, func, select

from iticket.core.db import Database
from iticket.core.errors import Conflict, NotFound, StaleVersion, ValidationError
from iticket.core.i18n import _
from iticket.core.models import (
    OPEN_STATUSES,
    Activity,
    ActivityKind,
    Actor,
    Attachment,
    AttachmentPublic,
    InboundEvent,
    Note,
    NotePublic,
    Role,
    Status,
    Ticket,
    TicketDetail,
    TicketPublic,
    User,
)
from iticket.core.policy import (
    require_assign,
    require_create_ticket,
    require_route,
    require_staff,
    require_view_ticket,
    require_view_unit,
    require_work_ticket,
)
from iticket.core.rules import (
    MAX_DETAIL,
    MAX_MESSAGE,
    MAX_NOTE,
    check_assign,
    check_close,
    check_reopen,
    check_route,
    check_unassign,
    clean_extension,
    clean_text,
    fold,
    sanitize,
    search_key,
)
from iticket.core.services import outbox
from iticket.core.services._common import (
    activity_public,
    get_user_by_name,
    live_actor,
    log,
    ticket_public,
    tickets_public,
    unit_code,
    usernames,
)
from iticket.core.timeutil import utcnow

INTAKE_UNIT = "helpdesk"
MAX_PAGE = 500


# ---------------------------------------------------------------- create


@dataclass(frozen=True)
class NewAttachment:
    media_id: str
    media_type: str
    mime_type: str | None = None
    filename: str | None = None
    caption: str | None = None
    sha256: str | None = None


def create_ticket(
    db: Database,
    *,
    actor: Actor,
    name: str,
    sector: str,
    extension: str,
    phone: str | None,
    detail: str,
    attachments: list[NewAttachment] | None = None,
    session: Session | None = None,
    idempotency_key: str | None = None,
) -> TicketPublic:
    """File a ticket from a requester (bot role only). It lands in HelpDesk as pending, and the
    requester is notified with its number through the outbox.

    ``session`` lets the bot file the ticket inside its own transaction (the one that also
    records the conversation step), so the two commit or fail together.

    ``idempotency_key`` (the intake API's ``Idempotency-Key``): a retry with the same key from
    the same account returns the ticket the first call filed instead of filing it again."""
    require_create_ticket(actor)
    fields = {
        "name": clean_text(name, what=_("The requester's name"), max_len=200),
        "sector": clean_text(sector, what=_("The sector"), max_len=200),
        "extension": clean_extension(extension),
        "detail": clean_text(detail, what=_("The detail"), max_len=MAX_DETAIL),
    }
    phone = (phone or "").strip().lstrip("+") or None
    if phone is not None and (not phone.isdigit() or not 6 <= len(phone) <= 20):
        raise ValidationError(_("The phone must be digits with the country code (6 to 20)."))
    key = None
    if idempotency_key is not None:
        key = sanitize(idempotency_key).strip()
        if not 1 <= len(key) <= 150:
            raise ValidationError(_("The idempotency key must have 1 to 150 characters."))
        key = f"api:{actor.id}:{key}"
    if session is not None:
        return _create(session, actor, fields, phone, attachments or [], key)
    with db.write() as s:
        return _create(s, actor, fields, phone, attachments or [], key)


def _create(
    session: Session, actor: Actor, f: dict[str, str], phone: str | None,
    attachments: list[NewAttachment], key: str | None,
) -> TicketPublic:
    if key is not None:
        seen = session.exec(select(InboundEvent).where(InboundEvent.event_key == key)).first()
        if seen is not None:
            return tickets_public(session, [_load(session, int(seen.payload))])[0]
    ticket = _insert(session, actor, f, phone, attachments)
    if key is not None:
        session.add(InboundEvent(event_key=key, kind="api", sender=phone or "", payload=str(ticket.id),
                                 processed_at=ticket.created_at))
    return ticket


def _insert(
    session: Session, actor: Actor, f: dict[str, str], phone: str | None, attachments: list[NewAttachment]
) -> TicketPublic:
    actor = live_actor(session, actor)
    require_create_ticket(actor)
    now = utcnow()
    ticket = Ticket(
        requester_name=f["name"],
        requester_sector=f["sector"],
        requester_extension=f["extension"],
        requester_phone=phone,
        detail=f["detail"],
        search_text=search_key(f["name"], f["sector"], f["detail"]),
        status=Status.PENDING,
        unit_code=INTAKE_UNIT,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.flush()
    assert ticket.id is not None
    for a in attachments:
        session.add(
            Attachment(
                ticket_id=ticket.id,
                media_id=a.media_id,
                media_type=a.media_type,
                mime_type=a.mime_type,
                filename=a.filename,
                caption=a.caption,
                sha256=a.sha256,
            )
        )
    log(session, ActivityKind.TICKET_CREATED, actor_id=actor.id, ticket_id=ticket.id,
        unit=INTAKE_UNIT, after=Status.PENDING, at=now)
    outbox.notify_requester(session, ticket, outbox.TICKET_CREATED)
    return ticket_public(ticket, None)


# ---------------------------------------------------------------- queries


@dataclass(frozen=True)
class TicketFilter:
    statuses: tuple[Status, ...] = ()
    unit: str | None = None  # None: the actor's scope (own unit for agents, all for admins)
    assignee: str | None = None  # username, "me" or "none"
    search: str | None = None


@dataclass(frozen=True)
class Cursor:
    """Keyset position: the (created_at, id) of the last row of the previous page."""

    created_at: datetime
    id: int


@dataclass(frozen=True)
class TicketPage:
    tickets: list[TicketPublic]
    next_cursor: Cursor | None


def parse_status(value: str) -> tuple[Status, ...]:
    """``pending``, ``in_progress``, ``resolved``, ``rejected``, ``open``, ``closed`` or ``all``
    (comma-separated values allowed)."""
    out: list[Status] = []
    for part in value.split(","):
        p = part.strip().lower().replace("-", "_").replace(" ", "_")
        if p in ("", "all"):
            return ()
        if p == "open":
            out += [Status.PENDING, Status.IN_PROGRESS]
        elif p == "closed":
            out += [Status.RESOLVED, Status.REJECTED]
        else:
            try:
                out.append(Status(p))
            except ValueError:
                raise ValidationError(
                    _("Unknown status '{s}': use pending, in_progress, resolved, rejected, open or all.").format(s=part.strip())
                ) from None
    return tuple(dict.fromkeys(out))


def list_tickets(
    db: Database,
    *,
    actor: Actor,
    filter: TicketFilter = TicketFilter(),
    limit: int = 50,
    after: Cursor | None = None,
    newest_first: bool = False,
) -> TicketPage:
    """One page of tickets, oldest first by default (the queue order). Keyset pagination over
    ``(created_at, id)`` keeps every page as fast as the first at a million tickets."""
    require_staff(actor)
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError(_("The limit must be between 1 and {max}.").format(max=MAX_PAGE))
    with db.read() as session:
        conds: list[Any] = []
        unit: str | None = None
        if (filter.unit or "").strip().lower() in ("", "all"):
            if actor.role != Role.ADMIN:
                unit = actor.unit
        else:
            unit = unit_code(session, filter.unit or "")
            require_view_unit(actor, unit)
        if unit is not None:
            conds.append(Ticket.unit_code == unit)
        if filter.assignee:
            who = filter.assignee.strip().lower()
            if who == "none":
                conds.append(col(Ticket.assignee_id).is_(None))
            elif who == "me":
                conds.append(Ticket.assignee_id == actor.id)
            else:
                conds.append(Ticket.assignee_id == get_user_by_name(session, who).id)
        if filter.search and filter.search.strip():
            conds.append(_search_clause(filter.search.strip()))
        key = tuple_(col(Ticket.created_at), col(Ticket.id))
        if after is not None:
            mark = tuple_(after.created_at, after.id)
            conds.append(key < mark if newest_first else key > mark)
        if newest_first:
            order = (col(Ticket.created_at).desc(), col(Ticket.id).desc())
        else:
            order = (col(Ticket.created_at), col(Ticket.id))
        statuses = list(filter.statuses)
        if not statuses and unit is not None:
            statuses = list(Status)  # same rows; lets each branch walk (unit, status, created)
        if len(statuses) > 1:
            # One index walk per status, each stopping after a page, merged: a single query
            # with ``status IN (…)`` makes the engine collect and sort every matching row of
            # the unit (hundreds of thousands at a million tickets) to return fifty.
            branches = [
                select(Ticket.id).where(*conds, Ticket.status == s).order_by(*order)
                .limit(limit + 1).subquery()
                for s in statuses
            ]
            page = union_all(*(select(b.c.id) for b in branches))
            query = select(Ticket).where(col(Ticket.id).in_(page))
        else:
            query = select(Ticket).where(*conds, *(Ticket.status == s for s in statuses))
        rows = list(session.exec(query.order_by(*order).limit(limit + 1)).all())
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = Cursor(rows[-1].created_at, rows[-1].id or 0) if more and rows else None
        return TicketPage(tickets_public(session, rows), cursor)


def _search_clause(text: str):  # type: ignore[no-untyped-def]
    """``#123`` is a ticket number; digits alone are a number, a WhatsApp id or an extension
    (all three indexed, so no scan); anything else is looked up in the free-text fields."""
    if text.startswith("#") and text[1:].isdigit() and len(text) < 13:
        return col(Ticket.id) == int(text[1:])
    digits = text.lstrip("+")
    if digits.isdigit():
        clauses = [col(Ticket.requester_phone) == digits, col(Ticket.requester_extension) == digits]
        if len(digits) < 12:
            clauses.append(col(Ticket.id) == int(digits))
        return or_(*clauses)
    folded = fold(text)
    like = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    # both sides folded (rules.search_key): plain LIKE, case and accents already gone
    return col(Ticket.search_text).like(like, escape="\\")


def count_by_status(db: Database, *, actor: Actor, unit: str | None) -> dict[Status, int]:
    """Ticket counts per status for a unit, by code or display name (``None``/``"all"``: every
    unit, admins only; agents get their own).
    One scalar ``count(*)`` per status over the (unit, status, created) index, in one round
    trip: a plain range count, about twice as fast as ``GROUP BY status`` over the same index
    entries (a unit has hundreds of thousands of closed tickets at a million)."""
    require_staff(actor)
    with db.read() as session:
        conds: list[Any] = []
        if (unit or "").strip().lower() in ("", "all"):
            if actor.role != Role.ADMIN:
                conds.append(Ticket.unit_code == actor.unit)
        else:
            code = unit_code(session, unit or "")
            require_view_unit(actor, code)
            conds.append(Ticket.unit_code == code)
        statuses = list(Status)
        counts = session.exec(select(*(
            select(func.count()).select_from(Ticket).where(*conds, Ticket.status == s)
            .scalar_subquery()
            for s in statuses
        ))).one()
        return dict(zip(statuses, (int(n) for n in counts), strict=True))


def get_ticket(db: Database, ticket_id: int, *, actor: Actor) -> TicketPublic:
    require_staff(actor)
    with db.read() as session:
        ticket = _load(session, ticket_id)
        require_view_ticket(actor, ticket_id, ticket.unit_code)
        return tickets_public(session, [ticket])[0]


def show_ticket(db: Database, ticket_id: int, *, actor: Actor, activity_limit: int = 500) -> TicketDetail:
    """A ticket with its private notes, attachments and activity timeline."""
    require_staff(actor)
    with db.read() as session:
        ticket = _load(session, ticket_id)
        require_view_ticket(actor, ticket_id, ticket.unit_code)
        notes = session.exec(
            select(Note).where(Note.ticket_id == ticket_id).order_by(col(Note.id))
        ).all()
        names = usernames(session, [n.author_id for n in notes])
        activity = session.exec(
            select(Activity)
            .where(Activity.ticket_id == ticket_id)
            .order_by(col(Activity.id))
            .limit(activity_limit)
        ).all()
        attachments = session.exec(
            select(Attachment).where(Attachment.ticket_id == ticket_id).order_by(col(Attachment.id))
        ).all()
        return TicketDetail(
            ticket=tickets_public(session, [ticket])[0],
            notes=[
                NotePublic(id=n.id or 0, ticket_id=ticket_id, author=names.get(n.author_id, "?"),
                           created_at=n.created_at, text=n.text)
                for n in notes
            ],
            activity=activity_public(session, list(activity)),
            attachments=[
                AttachmentPublic(id=a.id or 0, media_type=a.media_type, mime_type=a.mime_type,
                                 filename=a.filename, caption=a.caption, path=a.path, state=a.state)
                for a in attachments
            ],
        )


def _load(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(_("Ticket #{id} does not exist.").format(id=ticket_id))
    return ticket


# ---------------------------------------------------------------- changes


def _begin_change(session: Session, ticket_id: int, expected_version: int | None) -> Ticket:
    ticket = _load(session, ticket_id)
    if expected_version is not None and ticket.version != expected_version:
        raise StaleVersion(
            _("Ticket #{id} was changed by someone else meanwhile (version {seen}, now {now}).").format(
                id=ticket_id, seen=expected_version, now=ticket.version
            )
        )
    return ticket


def _save(session: Session, ticket: Ticket, values: dict[str, object]) -> None:
    """Compare-and-set on ``version``: the write fails if another transaction got there first."""
    values = {**values, "updated_at": utcnow(), "version": ticket.version + 1}
    result = session.execute(
        update(Ticket)
        .where(col(Ticket.id) == ticket.id, col(Ticket.version) == ticket.version)
        .values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleVersion(
            _("Ticket #{id} was changed by someone else meanwhile.").format(id=ticket.id)
        )
    session.expire(ticket)


def _staff_user(session: Session, username: str) -> User:
    user = get_user_by_name(session, username)
    if not user.active:
        raise Conflict(_("User '{name}' is inactive.").format(name=user.username))
    if user.role == Role.BOT:
        raise ValidationError(_("Tickets cannot be assigned to the bot account."))
    return user


def _result(session: Session, ticket_id: int) -> TicketPublic:
    ticket = _load(session, ticket_id)
    session.refresh(ticket)
    return tickets_public(session, [ticket])[0]


def assign(
    db: Database, ticket_id: int, *, to_user: str, actor: Actor, expected_version: int | None = None
) -> TicketPublic:
    """Assign to a user (moving the ticket to the user's unit); the ticket becomes in progress."""
    with db.write() as session:
        actor = live_actor(session, actor)
        ticket = _begin_change(session, ticket_id, expected_version)
        target = _staff_user(session, to_user)
        require_assign(actor, ticket_id, ticket.unit_code, target.unit_code)
        return _assign(session, ticket, target, actor)


def take(db: Database, ticket_id: int, *, actor: Actor, expected_version: int | None = None) -> TicketPublic:
    """Assign to oneself. Refuses a ticket someone else already has: two people taking the same
    ticket at once get one winner and one clear conflict, never a silent steal."""
    with db.write() as session:
        actor = live_actor(session, actor)
        ticket = _begin_change(session, ticket_id, expected_version)
        require_assign(actor, ticket_id, ticket.unit_code, actor.unit)
        if ticket.assignee_id not in (None, actor.id):
            owner = usernames(session, [ticket.assignee_id]).get(ticket.assignee_id or -1, "?")
            raise Conflict(_("Ticket #{id} is already assigned to {user}.").format(id=ticket_id, user=owner))
        me = session.get(User, actor.id)
        assert me is not None
        return _assign(session, ticket, me, actor)


def _assign(session: Session, ticket: Ticket, target: User, actor: Actor) -> TicketPublic:
    assert ticket.id is not None
    new_status = check_assign(ticket.id, Status(ticket.status))
    if ticket.assignee_id == target.id and ticket.status == new_status:
        return _result(session, ticket.id)  # already so: nothing to change, nothing to log
    now = utcnow()
    old_unit, old_status = ticket.unit_code, ticket.status
    previous = usernames(session, [ticket.assignee_id]).get(ticket.assignee_id or -1)
    values: dict[str, object] = {
        "assignee_id": target.id,
        "unit_code": target.unit_code,
        "status": new_status,
    }
    if ticket.first_assigned_at is None:
        values["first_assigned_at"] = now
    _save(session, ticket, values)
    if old_unit != target.unit_code:
        log(session, ActivityKind.MOVED, actor_id=actor.id, ticket_id=ticket.id, unit=old_unit,
            other_unit=target.unit_code, at=now)
    log(session, ActivityKind.ASSIGNED, actor_id=actor.id, ticket_id=ticket.id,
        unit=target.unit_code, user_id=target.id, before=previous, after=target.username, at=now)
    if old_status != new_status:
        log(session, ActivityKind.STATUS_CHANGED, actor_id=actor.id, ticket_id=ticket.id,
            unit=target.unit_code, before=old_status, after=new_status, at=now)
    return _result(session, ticket.id)


def route(
    db: Database, ticket_id: int, *, to_unit: str, actor: Actor, expected_version: int | None = None
) -> TicketPublic:
    """Move a ticket to a unit, unassigned and pending, for that unit to pick up."""
    with db.write() as session:
        actor = live_actor(session, actor)
        ticket = _begin_change(session, ticket_id, expected_version)
        code = unit_code(session, to_unit)
        require_route(actor, ticket_id, ticket.unit_code, code)
        new_status = check_route(ticket_id, Status(ticket.status))
        if ticket.unit_code == code and ticket.assignee_id is None:
            return _result(session, ticket_id)
        now = utcnow()
        old_unit, old_status = ticket.unit_code, ticket.status
        previous_id = ticket.assignee_id
        previous = usernames(session, [previous_id]).get(previous_id or -1)
        _save(session, ticket, {"unit_code": code, "assignee_id": None, "status": new_status})
        if previous_id is not None:
            log(session, ActivityKind.UNASSIGNED, actor_id=actor.id, ticket_id=ticket_id,
                unit=old_unit, user_id=previous_id, before=previous, at=now)
        if old_unit != code:
            log(session, ActivityKind.MOVED, actor_id=actor.id, ticket_id=ticket_id,
                unit=old_unit, other_unit=code, at=now)
        if old_status != new_status:
            log(session, ActivityKind.STATUS_CHANGED, actor_id=actor.id, ticket_id=ticket_id,
                unit=code, before=old_status, after=new_status, at=now)
        return _result(session, ticket_id)


def unassign(db: Database, ticket_id: int, *, actor: Actor, expected_version: int | None = None) -> TicketPublic:
    with db.write() as session:
        actor = live_actor(session, actor)
        ticket = _begin_change(session, ticket_id, expected_version)
        require_work_ticket(actor, ticket_id, ticket.unit_code)
        new_status = check_unassign(ticket_id, Status(ticket.status), ticket.assignee_id is not None)
        now = utcnow()
        previous_id, old_status = ticket.assignee_id, ticket.status
        previous = usernames(session, [previous_id]).get(previous_id or -1)
        _save(session, ticket, {"assignee_id": None, "status": new_status})
        log(session, ActivityKind.UNASSIGNED, actor_id=actor.id, ticket_id=ticket_id,
            unit=ticket.unit_code, user_id=previous_id, before=previous, at=now)
        if old_status != new_status:
            log(session, ActivityKind.STATUS_CHANGED, actor_id=actor.id, ticket_id=ticket_id,
                unit=ticket.unit_code, before=old_status, after=new_status, at=now)
        return _result(session, ticket_id)


def resolve(
    db: Database, ticket_id: int, *, actor: Actor, message: str | None = None,
    expected_version: int | None = None,
) -> TicketPublic:
    """Close as resolved; ``message`` is what the requester reads on WhatsApp."""
    text = clean_text(message, what=_("The message"), max_len=MAX_MESSAGE, required=False) or None
    return _close(db, ticket_id, Status.RESOLVED, text, actor, expected_version)


def reject(
    db: Database, ticket_id: int, *, actor: Actor, reason: str, expected_version: int | None = None
) -> TicketPublic:
    """Close as rejected; the reason is required and is sent to the requester."""
    text = clean_text(reason, what=_("The reason"), max_len=MAX_MESSAGE)
    return _close(db, ticket_id, Status.REJECTED, text, actor, expected_version)


def _close(
    db: Database, ticket_id: int, target: Status, text: str | None, actor: Actor,
    expected_version: int | None,
) -> TicketPublic:
    with db.write() as session:
        actor = live_actor(session, actor)
        ticket = _begin_change(session, ticket_id, expected_version)
        require_work_ticket(actor, ticket_id, ticket.unit_code)
        old_status = ticket.status
        check_close(ticket_id, Status(old_status), target)
        now = utcnow()
        _save(session, ticket, {"status": target, "closed_at": now, "closed_by_id": actor.id,
                                "resolution_message": text})
        log(session, ActivityKind.STATUS_CHANGED, actor_id=actor.id, ticket_id=ticket_id,
            unit=ticket.unit_code, before=old_status, after=target, detail=text, at=now)
        ticket = _load(session, ticket_id)
        session.refresh(ticket)
        purpose = outbox.TICKET_RESOLVED if target == Status.RESOLVED else outbox.TICKET_REJECTED
        outbox.notify_requester(session, ticket, purpose, message=text)
        return tickets_public(session, [ticket])[0]


def reopen(db: Database, ticket_id: int, *, actor: Actor, expected_version: int | None = None) -> TicketPublic:
    """A closed ticket goes back to its unit's queue, pending and unassigned."""
    with db.write() as session:
        actor = live_actor(session, actor)
        ticket = _begin_change(session, ticket_id, expected_version)
        require_work_ticket(actor, ticket_id, ticket.unit_code)
        new_status = check_reopen(ticket_id, Status(ticket.status))
        now = utcnow()
        old_status, previous_id = ticket.status, ticket.assignee_id
        _save(session, ticket, {"status": new_status, "closed_at": None, "closed_by_id": None,
                                "assignee_id": None, "resolution_message": None})
        log(session, ActivityKind.STATUS_CHANGED, actor_id=actor.id, ticket_id=ticket_id,
            unit=ticket.unit_code, before=old_status, after=new_status, user_id=previous_id, at=now)
        return _result(session, ticket_id)


def add_note(db: Database, ticket_id: int, text: str, *, actor: Actor) -> NotePublic:
    """A private note: visible to staff, never sent to the requester. Notes do not bump the
    ticket's version (two people may note the same ticket at once)."""
    body = clean_text(text, what=_("The note"), max_len=MAX_NOTE)
    with db.write() as session:
        actor = live_actor(session, actor)
        ticket = _load(session, ticket_id)
        require_work_ticket(actor, ticket_id, ticket.unit_code)
        now = utcnow()
        note = Note(ticket_id=ticket_id, author_id=actor.id, created_at=now, text=body)
        session.add(note)
        session.flush()
        session.execute(update(Ticket).where(col(Ticket.id) == ticket_id).values(updated_at=now))
        log(session, ActivityKind.NOTE_ADDED, actor_id=actor.id, ticket_id=ticket_id,
            unit=ticket.unit_code, at=now)
        return NotePublic(id=note.id or 0, ticket_id=ticket_id, author=actor.username,
                          created_at=now, text=body)


def open_tickets_of_requester(db: Database, phone: str, *, limit: int = 10) -> list[TicketPublic]:
    """For the bot's ``estado`` command: the requester's open tickets, newest first."""
    with db.read() as session:
        rows = session.exec(
            select(Ticket)
            .where(Ticket.requester_phone == phone, col(Ticket.status).in_(list(OPEN_STATUSES)))
            .order_by(col(Ticket.created_at).desc())
            .limit(limit)
        ).all()
        return tickets_public(session, list(rows))
