"""The outbox sender: delivers queued outbound messages through the Graph API.

- Notices (``ticket_created``/``_resolved``/``_rejected``) are rendered from the Spanish
  catalogue here, as free text inside the requester's 24-hour window and as the configured
  template outside it (and once more as the template after a 131047).
- Failures follow :mod:`iticket.bot.delivery`: retry with backoff, template fallback, the other
  Argentine/Mexican phone form, or give up — which marks the row ``dead`` and, for a notice,
  writes NOTIFICATION_FAILED on the ticket's activity.
- Delivery statuses from the webhook (:func:`apply_status`) move ``sent → delivered → read`` or
  feed a late ``failed`` into the same decisions.

Messages to one requester go out in order, one at a time; different requesters in parallel.
Delivery is at-least-once: a crash between Meta's answer and our commit sends again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from iticket.bot import catalog, delivery, outgoing, writes
from iticket.bot.delivery import Next
from iticket.bot.graph import GraphClient, SendResult
from iticket.bot.settings import BotSettings
from iticket.core.db import Database
from iticket.core.models import OutboundMessage, Requester
from iticket.core.services import outbox
from iticket.core.timeutil import utcnow

log = logging.getLogger("iticket.bot")
BUSY_PAUSE = 0.2
_PROGRESS = {"queued": 0, "sent": 1, "delivered": 2, "read": 3}
_STATUS_WORDS = {"ticket_created": "creado", "ticket_resolved": "resuelto",
                 "ticket_rejected": "rechazado"}


@dataclass(frozen=True)
class Job:
    id: int
    to_wa_id: str
    send_to: str
    content: dict[str, Any]
    template: bool


def template_params(settings: BotSettings, purpose: str, params: dict[str, Any]) -> list[str]:
    values = {
        "ticket": str(params.get("ticket", "")),
        "text": catalog.notification_text(purpose, params),
        "message": str(params.get("message") or "-"),
        "status": _STATUS_WORDS.get(purpose, purpose),
    }
    return [values[name] for name in settings.template_params]


def _job(session: Session, msg: OutboundMessage, settings: BotSettings, now: datetime) -> Job:
    assert msg.id is not None
    requester = session.get(Requester, msg.to_wa_id)
    send_to = (requester.send_to if requester else None) or msg.to_wa_id
    body = json.loads(msg.body)
    template = False
    if msg.purpose == outbox.REPLY:
        content = body
    else:
        last = requester.last_inbound_at if requester else None
        template = msg.used_template or not delivery.in_window(last, now)
        if template:
            content = outgoing.template_content(
                settings.template_name, settings.template_language,
                template_params(settings, msg.purpose, body))
        else:
            content = outgoing.text_content(catalog.notification_text(msg.purpose, body))
    return Job(msg.id, msg.to_wa_id, send_to, content, template)


def claim_due(db: Database, settings: BotSettings, *, now: datetime | None = None,
              limit: int = 50) -> list[Job]:
    now = now or utcnow()
    with db.read() as session:
        rows = session.exec(
            select(OutboundMessage)
            .where(OutboundMessage.state == "queued", OutboundMessage.next_attempt_at <= now)
            .order_by(col(OutboundMessage.next_attempt_at), col(OutboundMessage.id))
            .limit(limit)
        ).all()
        wanted = {m.to_wa_id for m in rows}
        if wanted:  # one query for the requesters instead of one per message
            session.exec(select(Requester).where(col(Requester.wa_id).in_(wanted))).all()
        return [_job(session, m, settings, now) for m in rows]


def _requester(session: Session, wa_id: str) -> Requester:
    return session.get(Requester, wa_id) or Requester(wa_id=wa_id)


def record_results(db: Database, results: list[tuple[Job, SendResult]], settings: BotSettings,
                   *, now: datetime | None = None) -> None:
    """Record a round of sends in one transaction."""
    now = now or utcnow()
    with writes.write(db) as session:
        for job, result in results:
            _record(session, job, result, settings, now)


def _record(session: Session, job: Job, result: SendResult, settings: BotSettings,
            now: datetime) -> None:
    msg = session.get(OutboundMessage, job.id)
    if msg is None or msg.state != "queued":
        return
    msg.attempts += 1
    msg.used_template = job.template
    if result.ok:
        msg.state, msg.wamid, msg.sent_at = "sent", result.wamid, now
        if job.send_to != msg.to_wa_id:
            requester = _requester(session, msg.to_wa_id)
            requester.send_to = job.send_to  # remember the phone form that worked
            session.add(requester)
        session.add(msg)
        return
    apply_failure(session, msg, result.code, result.error, settings, now=now,
                  tried_other_form=job.send_to != msg.to_wa_id)


def apply_failure(session: Session, msg: OutboundMessage, code: int | None, error: str,
                  settings: BotSettings, *, now: datetime, tried_other_form: bool) -> Next:
    decision = delivery.decide(
        code, attempts=msg.attempts, max_attempts=settings.max_attempts,
        is_notice=msg.purpose != outbox.REPLY, used_template=msg.used_template,
        wa_id=msg.to_wa_id, tried_other_form=tried_other_form, base=settings.retry_base_seconds,
    )
    if code == delivery.TOKEN_EXPIRED:
        log.critical("WhatsApp access token expired or invalid (190): renew ITICKET_WA_ACCESS_TOKEN")
    msg.last_error_code, msg.last_error = code, error[:2000]
    if decision.next == Next.GIVE_UP:
        if tried_other_form:
            requester = _requester(session, msg.to_wa_id)
            requester.send_to = None  # the other form did not work either
            session.add(requester)
        outbox.record_undeliverable(session, msg, code=code, error=error)
        return decision.next
    msg.state, msg.wamid = "queued", None
    msg.next_attempt_at = now + timedelta(seconds=decision.delay)
    if decision.next == Next.TEMPLATE:
        msg.used_template = True
    elif decision.next == Next.OTHER_FORM:
        requester = _requester(session, msg.to_wa_id)
        requester.send_to = delivery.alternate_form(msg.to_wa_id)
        session.add(requester)
    session.add(msg)
    return decision.next


def apply_status(session: Session, status: dict[str, Any], settings: BotSettings,
                 *, now: datetime) -> None:
    """A delivery status from the webhook. Unknown wamids are normal and ignored."""
    wamid, state = str(status.get("id", "")), str(status.get("status", ""))
    msg = session.exec(select(OutboundMessage).where(OutboundMessage.wamid == wamid)).first()
    if msg is None:
        return
    if state == "failed":
        errors = status.get("errors") or [{}]
        first = errors[0] if isinstance(errors[0], dict) else {}
        code = first.get("code")
        details = (first.get("error_data") or {}).get("details") or first.get("message") or ""
        code_int = int(code) if isinstance(code, int | str) and str(code).isdigit() else None
        requester = session.get(Requester, msg.to_wa_id)
        alt = delivery.alternate_form(msg.to_wa_id)
        tried = bool(requester and alt and requester.send_to == alt)
        apply_failure(session, msg, code_int, f"{code_int}: {details}"[:2000], settings,
                      now=now, tried_other_form=tried)
    elif _PROGRESS.get(state, -1) > _PROGRESS.get(msg.state, 99):
        msg.state = state
        session.add(msg)


def backlog(db: Database) -> int:
    with db.read() as session:
        return int(session.exec(
            select(func.count()).select_from(OutboundMessage).where(OutboundMessage.state == "queued")
        ).one())


class Sender:
    """The background delivery loop of ``iticket bot serve``."""

    def __init__(self, db: Database, settings: BotSettings, graph: GraphClient) -> None:
        self.db, self.settings, self.graph = db, settings, graph
        self.wake = asyncio.Event()
        self.last_error: str | None = None
        self.sent = 0
        self.ingest_busy: Callable[[], bool] = lambda: False

    async def run(self) -> None:
        while True:
            try:
                jobs = await asyncio.to_thread(claim_due, self.db, self.settings, limit=20)
                if jobs:
                    await self.deliver(jobs)
                    if self.ingest_busy():
                        await asyncio.sleep(BUSY_PAUSE)  # acknowledging Meta comes first
                    continue
            except Exception:  # keep delivering whatever one bad row does
                log.exception("outbox sender failed; retrying")
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=self.settings.poll_seconds)

    async def deliver(self, jobs: list[Job]) -> None:
        by_recipient: dict[str, list[Job]] = {}
        for job in jobs:
            by_recipient.setdefault(job.to_wa_id, []).append(job)
        rounds = await asyncio.gather(*(self._deliver_in_order(js) for js in by_recipient.values()))
        results = [pair for r in rounds for pair in r]
        await asyncio.to_thread(record_results, self.db, results, self.settings)

    async def _deliver_in_order(self, jobs: list[Job]) -> list[tuple[Job, SendResult]]:
        done: list[tuple[Job, SendResult]] = []
        for job in jobs:
            result = await self.graph.send(job.send_to, job.content)
            done.append((job, result))
            if result.ok:
                self.sent += 1
            else:
                self.last_error = f"{utcnow().isoformat(timespec='seconds')} {result.error}"
                log.warning("delivery of outbound #%s failed: %s", job.id, result.error)
                break  # keep this requester's order: the rest waits for the next round
        return done
