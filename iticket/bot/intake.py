"""Running inbound messages through the conversation against the database (no HTTP).

Public, stable entry points (also used by ``iticket demo`` and ``iticket bot chat``):

- :func:`handle_text` ``(db, wa_id, text, *, now=None, deliver=False) -> list[str]``: one typed
  message from the requester ``wa_id``; returns what the bot answers, as plain text (including
  the "ticket #N created" notice). With ``deliver=False`` nothing is left in the outbox for the
  sender (the conversation is simulated); with ``deliver=True`` the replies are queued for
  WhatsApp like the webhook does.
- :func:`process_message`: the same for a typed :class:`Inbound`, inside a caller's session.

One inbound message is one transaction: the conversation step, the remembered requester, the
ticket (filed through ``tickets.create_ticket`` as the bot user, so the policy applies) and the
outbound messages commit together or not at all.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from iticket.bot import catalog, outgoing, writes
from iticket.bot.catalog import t
from iticket.bot.conversation import Context, CreateTicket, Known, ShowStatus, State, Step, advance
from iticket.bot.inbound import Inbound
from iticket.bot.replies import Reply
from iticket.bot.sectors import SectorOption
from iticket.core.db import Database, lock_key
from iticket.core.errors import NotFound
from iticket.core.i18n import _
from iticket.core.models import (
    Actor,
    Conversation,
    OutboundMessage,
    Requester,
    Role,
    Sector,
    TicketPublic,
    User,
)
from iticket.core.services import outbox, tickets
from iticket.core.timeutil import utcnow

DEFAULT_IDLE = timedelta(hours=2)
SIMULATED = "simulated"  # outbox state of messages a simulated chat must never send
SENDER_LOCK = "wa-sender"  # core.db.lock_key scope: one requester's conversation at a time


@dataclass(frozen=True)
class IntakeConfig:
    bot_username: str = "wspbot"
    idle_timeout: timedelta = DEFAULT_IDLE


@dataclass
class IntakeResult:
    reply: Reply | None = None
    ticket: TicketPublic | None = None
    queued: list[OutboundMessage] = field(default_factory=list)


def bot_actor(session: Session, username: str = "wspbot") -> Actor:
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None or user.id is None or user.role != Role.BOT or not user.active:
        raise NotFound(_("No active bot-role user '{name}' (run 'iticket init').").format(name=username))
    return Actor(id=user.id, username=user.username, full_name=user.full_name,
                 unit=user.unit_code, role=Role.BOT)


_SECTORS_TTL = 30.0
_sector_cache: dict[str, tuple[float, list[SectorOption]]] = {}


def load_sectors(session: Session, *, cache_key: str | None = None) -> list[SectorOption]:
    """The active sectors; cached for ``_SECTORS_TTL`` seconds per database when ``cache_key``
    is given (the list changes rarely and every message would read it)."""
    if cache_key is not None:
        hit = _sector_cache.get(cache_key)
        if hit is not None and time.monotonic() - hit[0] < _SECTORS_TTL:
            return hit[1]
    rows = session.exec(select(Sector).where(col(Sector.active)).order_by(col(Sector.name))).all()
    sectors = [SectorOption(s.code, s.name, s.description) for s in rows]
    if cache_key is not None:
        _sector_cache[cache_key] = (time.monotonic(), sectors)
    return sectors


def _status_text(open_tickets: list[TicketPublic]) -> str:
    if not open_tickets:
        return t("status_none")
    lines = [t("status_header")]
    for tk in open_tickets:
        detail = outgoing.cut(tk.detail, 60)
        lines.append(t("status_line", id=tk.id, status=t(f"status_{tk.status.value}"), detail=detail))
    return "\n".join(lines)


def process_message(
    db: Database,
    session: Session,
    *,
    wa_id: str,
    msg: Inbound,
    now: datetime | None = None,
    config: IntakeConfig = IntakeConfig(),
    deliver: bool = True,
) -> IntakeResult:
    """Advance ``wa_id``'s conversation with ``msg`` inside ``session`` (the caller commits)."""
    now = now or utcnow()
    requester = session.get(Requester, wa_id) or Requester(wa_id=wa_id)
    if requester.last_inbound_at is None or requester.last_inbound_at < now:
        requester.last_inbound_at = now
    if msg.profile_name:
        requester.profile_name = msg.profile_name[:200]
    conv = session.get(Conversation, wa_id)
    state = None
    if conv is not None:
        state = State(Step(conv.step), json.loads(conv.data), conv.updated_at)
    known = None
    if requester.name and requester.sector and requester.extension:
        known = Known(requester.name, requester.sector, requester.extension)
    ctx = Context(now=now, sectors=load_sectors(session, cache_key=db.url), known=known, idle_timeout=config.idle_timeout)
    outcome = advance(state, msg, ctx)

    result = IntakeResult()
    status_text: str | None = None
    for action in outcome.actions:
        if isinstance(action, CreateTicket):
            result.ticket = tickets.create_ticket(
                db, actor=bot_actor(session, config.bot_username), name=action.name,
                sector=action.sector, extension=action.extension, phone=wa_id,
                detail=action.detail, session=session,
                attachments=list(action.attachments),
            )
            requester.name, requester.sector = action.name, action.sector
            requester.extension = action.extension
        elif isinstance(action, ShowStatus):
            status_text = _status_text(tickets.open_tickets_of_requester(db, wa_id))
    session.add(requester)

    if outcome.state is None:
        if conv is not None:
            session.delete(conv)
    else:
        conv = conv or Conversation(wa_id=wa_id, step=outcome.state.step)
        conv.step = outcome.state.step
        conv.data = json.dumps(outcome.state.data, ensure_ascii=False)
        conv.updated_at = now
        session.add(conv)

    if status_text is not None:
        outcome.replies.items.insert(0, Reply(status_text))
    result.reply = outcome.replies.merged()
    if result.reply is not None:
        outbox.queue_reply(session, wa_id, outgoing.content(result.reply))
    result.queued = [o for o in session.new if isinstance(o, OutboundMessage) and o.to_wa_id == wa_id]
    result.queued.sort(key=lambda o: o.purpose != outbox.REPLY)  # the reply first, then notices
    if not deliver:
        for o in result.queued:
            o.state = SIMULATED
    return result


def outbound_text(message: OutboundMessage) -> str:
    """What an outbox row says, as plain text."""
    body = json.loads(message.body)
    if message.purpose == outbox.REPLY:
        return outgoing.plain_text(body)
    return catalog.notification_text(message.purpose, body)


def handle_text(
    db: Database, wa_id: str, text: str, *, now: datetime | None = None, deliver: bool = False,
    config: IntakeConfig = IntakeConfig(),
) -> list[str]:
    """One typed message from ``wa_id`` through the conversation, committed; the bot's answers
    as plain text (empty when the bot stays silent)."""
    with writes.write(db) as session:
        result = process_message(db, session, wa_id=wa_id, msg=Inbound.typed(text), now=now,
                                 config=config, deliver=deliver)
        return [outbound_text(o) for o in result.queued]


def expire_idle(db: Database, *, now: datetime | None = None,
                timeout: timedelta = DEFAULT_IDLE, limit: int = 200) -> int:
    """End conversations idle for longer than ``timeout``, telling each requester so.

    Each conversation is ended under its sender's lock and re-read under it: another bot
    process may be answering that sender right now (then it is left alone: it is no longer
    idle) or may have ended it already (then nobody is told twice)."""
    now = now or utcnow()
    cutoff = now - timeout
    ended = 0
    with writes.write(db) as session:
        stale = session.exec(
            select(Conversation.wa_id).where(Conversation.updated_at < cutoff).limit(limit)
        ).all()
        for wa_id in stale:
            if not lock_key(session, SENDER_LOCK, wa_id, wait=False):
                continue
            conv = session.exec(
                select(Conversation).where(Conversation.wa_id == wa_id,
                                           Conversation.updated_at < cutoff)
                .execution_options(populate_existing=True)
            ).first()
            if conv is None:
                continue
            session.delete(conv)
            outbox.queue_reply(session, wa_id, outgoing.text_content(t("expired")))
            ended += 1
    return ended
