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

Several bot processes may share one database (PostgreSQL). :func:`claim_due` is a write
transaction that takes each due row with ``FOR UPDATE SKIP LOCKED`` (on SQLite, ``BEGIN
IMMEDIATE`` already serialises claims and the clause is dropped) and leases it: its
``next_attempt_at`` moves ``LEASE`` ahead, so no other process sees it due, and a crashed
sender's rows come back by themselves when the lease runs out. The lease value is the claim's
token: a result is recorded only while the row is still queued with that exact value, so a
sender that outlived its lease cannot count a row another process has claimed since. Only a
requester's oldest queued message is ever claimable, so two messages to one ``wa_id`` are never
in flight at once, across processes too, and a message waiting for a retry holds back the ones
queued after it.
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

from sqlalchemy import update
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
# Longer than one Graph call can take (graph.TIMEOUT, 20 s) plus recording its result.
LEASE = timedelta(seconds=60)
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
    lease: datetime  # the next_attempt_at this claim wrote: proof the row is still ours


def template_params(settings: BotSettings, purpose: str, params: dict[str, Any]) -> list[str]:
    values = {
        "ticket": str(params.get("ticket", "")),
        "text": catalog.notification_text(purpose, params),
        "message": str(params.get("message") or "-"),
        "status": _STATUS_WORDS.get(purpose, purpose),
    }
    return [values[name] for name in settings.template_params]


def _job(msg: OutboundMessage, requester: Requester | None, settings: BotSettings,
         now: datetime, lease: datetime) -> Job:
    assert msg.id is not None
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
    return Job(msg.id, msg.to_wa_id, send_to, content, template, lease)


def claim_due(db: Database, settings: BotSettings, *, now: datetime | None = None,
              limit: int = 50) -> list[Job]:
    """Lease up to ``limit`` due messages, at most one per requester (its oldest queued one),
    and return them as jobs. Rows another process holds are skipped, not waited for."""
    now = now or utcnow()
    lease = now + LEASE
    # Each requester's oldest queued message, computed once per claim: one pass over the
    # queued rows (ix_outbound_due), not one per candidate, however long the backlog.
    heads = (
        select(func.min(OutboundMessage.id))
        .where(OutboundMessage.state == "queued")
        .group_by(col(OutboundMessage.to_wa_id))
    )
    with writes.write(db) as session:
        rows = session.exec(
            select(OutboundMessage)
            .where(OutboundMessage.state == "queued", OutboundMessage.next_attempt_at <= now,
                   col(OutboundMessage.id).in_(heads))
            .order_by(col(OutboundMessage.next_attempt_at), col(OutboundMessage.id))
            .limit(limit)
            .with_for_update(skip_locked=True, of=OutboundMessage)
        ).all()
        if not rows:
            return []
        ids = [m.id for m in rows]
        session.execute(
            update(OutboundMessage).where(col(OutboundMessage.id).in_(ids))
            .values(next_attempt_at=lease).execution_options(synchronize_session=False)
        )
        wanted = {m.to_wa_id for m in rows}
        requesters = {r.wa_id: r for r in session.exec(  # one query, not one per message
            select(Requester).where(col(Requester.wa_id).in_(wanted))).all()}
        return [_job(m, requesters.get(m.to_wa_id), settings, now, lease) for m in rows]


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
    msg = session.exec(
        select(OutboundMessage).where(OutboundMessage.id == job.id).with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if msg is None or msg.state != "queued" or msg.next_attempt_at != job.lease:
        return  # no longer ours: the lease ran out and another claim (or a status) moved it
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
        """Send a claim's jobs in parallel (one per requester, see :func:`claim_due`) and
        record every result in one transaction."""
        results = await asyncio.gather(*(self._deliver_one(job) for job in jobs))
        await asyncio.to_thread(record_results, self.db, list(results), self.settings)

    async def _deliver_one(self, job: Job) -> tuple[Job, SendResult]:
        result = await self.graph.send(job.send_to, job.content)
        if result.ok:
            self.sent += 1
        else:
            self.last_error = f"{utcnow().isoformat(timespec='seconds')} {result.error}"
            log.warning("delivery of outbound #%s failed: %s", job.id, result.error)
        return job, result
