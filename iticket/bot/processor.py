"""Working through stored webhook events, after the 200.

One worker thread takes unprocessed events in ``(sender, timestamp, id)`` order — so each
requester's messages run one at a time, in the order they were written — and applies them:
messages go through the conversation (:func:`iticket.bot.intake.process_message`), statuses
update the outbox (:func:`iticket.bot.sender.apply_status`). A batch is one transaction with a
savepoint per event: the event is marked processed in the same commit as its effects, so a
crash replays it instead of losing it, and an event that raises is marked with its error (and
the requester gets an apology) without stopping the others. Transactions are kept short (a time
budget) so the webhook's inserts never wait long for the write lock.

Several bot processes on one PostgreSQL database share the work safely: each sender is taken
under a per-sender advisory lock (``core.db.lock_key``), and the event, the requester and the
conversation are read (again) after the lock is taken, never trusted from before it. It also
ends conversations idle for longer than the configured timeout, under the same lock.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from sqlmodel import Session, col, select

from iticket.bot import outgoing, writes
from iticket.bot.catalog import t
from iticket.bot.inbound import parse_message
from iticket.bot.intake import SENDER_LOCK, IntakeConfig, expire_idle, process_message
from iticket.bot.sender import apply_status
from iticket.bot.settings import BotSettings
from iticket.core.db import Database, lock_key
from iticket.core.models import Conversation, InboundEvent, Requester
from iticket.core.services import outbox
from iticket.core.timeutil import utcnow

log = logging.getLogger("iticket.bot")
BATCH = 30
BUSY_BUDGET = 0.010  # seconds of work per transaction while the webhook is busy
IDLE_BUDGET = 0.100  # … and otherwise
YIELD = 0.200  # pause between batches while the webhook is busy: acknowledging comes first
EXPIRE_EVERY = 30.0


class Processor:
    def __init__(self, db: Database, settings: BotSettings, *,
                 on_outbound: Callable[[], None] = lambda: None,
                 on_attachment: Callable[[], None] = lambda: None,
                 ingest_busy: Callable[[], bool] = lambda: False) -> None:
        self.db, self.settings = db, settings
        self.on_outbound, self.on_attachment = on_outbound, on_attachment
        self.ingest_busy = ingest_busy
        self.config = IntakeConfig(bot_username=settings.bot_username,
                                   idle_timeout=timedelta(minutes=settings.idle_timeout_minutes))
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="iticket-processor", daemon=True)
        self.processed = 0
        self.failed = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.wake.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        last_expiry = 0.0
        while not self._stop.is_set():
            try:
                if time.monotonic() - last_expiry > EXPIRE_EVERY:
                    last_expiry = time.monotonic()
                    if expire_idle(self.db, timeout=self.config.idle_timeout):
                        self.on_outbound()
                if self.run_once():
                    if self.ingest_busy():
                        # Acknowledging Meta comes first: during a burst, leave the GIL and the
                        # write lock to the webhook part of the time; the backlog drains after.
                        self._stop.wait(YIELD)
                    continue
            except Exception:
                log.exception("inbound processor failed; retrying")
                self._stop.wait(1.0)
            self.wake.wait(self.settings.poll_seconds)
            self.wake.clear()

    def run_once(self, *, limit: int = BATCH) -> int:
        """Process one batch; returns how many events it handled."""
        outbound = attachments = False
        done = 0
        with writes.write(self.db) as session:
            events = session.exec(
                select(InboundEvent)
                .where(col(InboundEvent.processed_at).is_(None))
                .order_by(col(InboundEvent.sender), col(InboundEvent.timestamp), col(InboundEvent.id))
                .limit(limit)
            ).all()
            pg = self.db.dialect == "postgresql"
            # On PostgreSQL a sender's state is read only after its lock is taken (below): a
            # copy read before it could predate what another process committed meanwhile.
            # On SQLite this transaction has run alone since BEGIN IMMEDIATE, so read it now.
            preloaded = [] if pg else _preload(session, {ev.sender for ev in events
                                                         if ev.kind == "message"})
            skip: set[str] = set()
            started = time.monotonic()
            budget = BUSY_BUDGET if self.ingest_busy() else IDLE_BUDGET
            locked: set[str] = set()
            for ev in events:
                if done and time.monotonic() - started > budget:
                    skip.add(ev.sender)  # finish this sender next time, in order
                if ev.sender in skip:
                    continue
                if ev.sender not in locked:
                    # Another bot process may be working on this sender (PostgreSQL; on SQLite
                    # the write transaction already runs alone): leave it to that process.
                    if not lock_key(session, SENDER_LOCK, ev.sender, wait=False):
                        skip.add(ev.sender)
                        continue
                    locked.add(ev.sender)
                    if pg:
                        _forget(session, ev.sender)
                if pg:
                    session.refresh(ev)  # read what a process that held the lock committed
                    if ev.processed_at is not None:
                        continue
                now = utcnow()
                try:
                    with session.begin_nested():
                        payload = json.loads(ev.payload)
                        if ev.kind == "status":
                            apply_status(session, payload, self.settings, now=now)
                        else:
                            msg = parse_message(payload["message"], payload.get("profile_name"))
                            result = process_message(self.db, session, wa_id=ev.sender, msg=msg,
                                                     now=now, config=self.config)
                            outbound = outbound or bool(result.reply or result.ticket)
                            attachments = attachments or result.ticket is not None
                except Exception as exc:
                    log.exception("inbound event %s failed", ev.event_key)
                    self.failed += 1
                    ev.error = f"{exc.__class__.__name__}: {exc}"[:2000]
                    if ev.kind == "message":
                        outbox.queue_reply(session, ev.sender, outgoing.text_content(t("error")))
                        outbound = True
                ev.processed_at = now
                session.add(ev)
                done += 1
            del preloaded
        self.processed += done
        if outbound:
            self.on_outbound()
        if attachments:
            self.on_attachment()
        return done


def _preload(session: Session, senders: set[str]) -> list[Requester | Conversation]:
    """Load the batch's requesters and conversations with two queries: ``session.get`` then
    finds them in the identity map instead of asking the database once per message. The
    identity map holds objects weakly, so the caller keeps the returned list alive."""
    if not senders:
        return []
    found: list[Requester | Conversation] = []
    found.extend(session.exec(select(Requester).where(col(Requester.wa_id).in_(senders))).all())
    found.extend(session.exec(select(Conversation).where(col(Conversation.wa_id).in_(senders))).all())
    return found


def _forget(session: Session, sender: str) -> None:
    """Expire whatever this session holds of ``sender`` (just locked), so the next
    ``session.get`` reads what the previous holder of the lock committed."""
    for model in (Requester, Conversation):
        obj = session.identity_map.get(session.identity_key(model, sender))
        if obj is not None:
            session.expire(obj)
