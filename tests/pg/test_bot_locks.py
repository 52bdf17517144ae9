"""What makes several bot processes safe on PostgreSQL, one mechanism at a time, with another
connection playing the other process: an outbox claim skips rows another transaction holds
(without waiting for it), idle expiry leaves alone a requester another process is answering,
and the processor reads a sender's conversation only after taking the sender's lock."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from iticket.bot import outgoing
from iticket.bot.inbound import EventRow
from iticket.bot.intake import SENDER_LOCK, expire_idle, handle_text
from iticket.bot.processor import Processor
from iticket.bot.sender import Job, claim_due
from iticket.bot.settings import BotSettings
from iticket.bot.store import insert_events
from iticket.core.db import Database, lock_key
from iticket.core.models import Conversation, OutboundMessage
from iticket.core.services import outbox
from iticket.core.timeutil import utcnow
from tests.bot.conftest import make_settings

ANA, BETO = "5491100000301", "5491100000302"


@pytest.fixture
def settings(tmp_path: Path) -> BotSettings:
    return make_settings("http://127.0.0.1:9", tmp_path)


@pytest.fixture
def other(pg_url: str) -> Iterator[Database]:
    """A second engine on the same database: the other bot process."""
    database = Database(pg_url)
    yield database
    database.dispose()


def _in_thread(fn: Any, timeout: float = 10.0) -> Any:
    """Run ``fn`` in a thread; fail (instead of hanging) if it blocks."""
    out: list[Any] = []
    worker = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), "blocked on a lock another transaction holds"
    return out[0]


def test_a_claim_skips_rows_another_transaction_holds(
    pg_db: Database, other: Database, settings: BotSettings
) -> None:
    with pg_db.write() as s:
        for wa in (ANA, BETO, ANA):
            outbox.queue_reply(s, wa, outgoing.text_content(f"para {wa}"))
    with pg_db.read() as s:
        a1, b1, a2 = [m.id for m in s.exec(select(OutboundMessage).order_by(col(OutboundMessage.id)))]
    with other.write() as holder:  # the other process is in the middle of claiming a1
        holder.exec(select(OutboundMessage).where(OutboundMessage.id == a1).with_for_update()).one()
        jobs: list[Job] = _in_thread(lambda: claim_due(pg_db, settings))
        # b1 is ours; a1 is skipped, not waited for; a2 must not overtake a1.
        assert [j.id for j in jobs] == [b1]
    assert [j.id for j in claim_due(pg_db, settings)] == [a1]
    assert a2 not in [j.id for j in claim_due(pg_db, settings)]


def test_idle_expiry_leaves_a_requester_another_process_is_answering(
    pg_db: Database, other: Database
) -> None:
    handle_text(pg_db, ANA, "hola")
    handle_text(pg_db, BETO, "hola")
    later = utcnow() + timedelta(hours=3)
    with other.write() as holder:
        assert lock_key(holder, SENDER_LOCK, ANA)
        ended = _in_thread(lambda: expire_idle(pg_db, now=later, timeout=timedelta(hours=2)))
        assert ended == 1  # Beto only; Ana's conversation is the other process's business
    with pg_db.read() as s:
        assert [c.wa_id for c in s.exec(select(Conversation))] == [ANA]
    assert expire_idle(pg_db, now=later, timeout=timedelta(hours=2)) == 1
    assert expire_idle(pg_db, now=later, timeout=timedelta(hours=2)) == 0  # told once


def test_the_processor_reads_the_conversation_after_taking_the_lock(
    pg_db: Database, other: Database, settings: BotSettings
) -> None:
    handle_text(pg_db, ANA, "hola")
    handle_text(pg_db, ANA, "Lucía Fernández")  # the bot now waits for Ana's sector
    fresh = handle_text(pg_db, BETO, "guardia")  # what "guardia" gets with no conversation
    message = {"from": ANA, "id": "wamid.LOCK.1", "timestamp": "1788000000", "type": "text",
               "text": {"body": "guardia"}}
    insert_events(pg_db, [EventRow("wamid.LOCK.1", "message", ANA, 1_788_000_000,
                                   json.dumps({"message": message, "profile_name": None}))])
    fired: list[bool] = []

    def before(_conn: Any, _cur: Any, statement: str, *_a: Any) -> None:
        # Just before the processor locks Ana, the other process (which held her lock) ends
        # her conversation and commits.
        if "advisory_xact_lock" in statement and not fired:
            fired.append(True)
            with other.write() as s:
                s.delete(s.get(Conversation, ANA))

    event.listen(pg_db.engine, "before_cursor_execute", before)
    try:
        assert Processor(pg_db, settings).run_once() == 1
    finally:
        event.remove(pg_db.engine, "before_cursor_execute", before)
    assert fired
    with pg_db.read() as s:
        [reply] = s.exec(select(OutboundMessage).where(
            OutboundMessage.to_wa_id == ANA, OutboundMessage.state == "queued")).all()
    # Answered as a new conversation, not as the sector of the one that ended.
    assert outgoing.plain_text(json.loads(reply.body)) == fresh[0]
