"""Claiming the outbox (``sender.claim_due``/``record_results``) on the selected engine: a claim
leases its rows so nobody else sends them, a crashed sender's rows come back when the lease runs
out, a late result from an expired lease changes nothing, and a requester's messages are claimed
one at a time, oldest first, even while the oldest waits for a retry."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from iticket.bot import outgoing
from iticket.bot.graph import SendResult
from iticket.bot.sender import LEASE, Job, claim_due, record_results
from iticket.bot.settings import BotSettings
from iticket.core.db import Database
from iticket.core.models import OutboundMessage
from iticket.core.services import outbox
from iticket.core.timeutil import utcnow
from tests.bot.conftest import make_settings

ANA, BETO = "5491100000101", "5491100000102"


@pytest.fixture
def settings(tmp_path: Path) -> BotSettings:
    return make_settings("http://127.0.0.1:9", tmp_path)  # never called: nothing is sent here


def _queue(db: Database, *pairs: tuple[str, str]) -> list[int]:
    with db.write() as s:
        for wa, text in pairs:
            outbox.queue_reply(s, wa, outgoing.text_content(text))
    with db.read() as s:
        return [m.id for m in s.exec(select(OutboundMessage).order_by(col(OutboundMessage.id))).all()
                if m.id is not None]


def _row(db: Database, msg_id: int) -> OutboundMessage:
    with db.read() as s:
        row = s.get(OutboundMessage, msg_id)
        assert row is not None
        return row


def _ok(job: Job, n: int) -> tuple[Job, SendResult]:
    return job, SendResult(wamid=f"wamid.CLAIM.{n}")


def test_a_claim_leases_its_rows_until_the_lease_runs_out(db: Database, settings: BotSettings) -> None:
    [first] = _queue(db, (ANA, "uno"))
    now = utcnow()
    [job] = claim_due(db, settings, now=now)
    assert job.id == first and job.lease == now + LEASE
    assert _row(db, first).state == "queued" and _row(db, first).next_attempt_at == now + LEASE
    assert claim_due(db, settings, now=now + timedelta(seconds=1)) == []  # held: nobody else sends it
    # The sender died without a word: after the lease, the row is due again.
    [again] = claim_due(db, settings, now=now + LEASE + timedelta(seconds=1))
    assert again.id == first and again.lease != job.lease


def test_a_late_result_from_an_expired_lease_is_ignored(db: Database, settings: BotSettings) -> None:
    [first] = _queue(db, (ANA, "uno"))
    now = utcnow()
    [stale] = claim_due(db, settings, now=now)
    [fresh] = claim_due(db, settings, now=now + LEASE + timedelta(seconds=1))
    record_results(db, [_ok(stale, 1)], settings, now=now + LEASE + timedelta(seconds=2))
    row = _row(db, first)
    assert row.state == "queued" and row.attempts == 0 and row.wamid is None  # not counted
    record_results(db, [_ok(fresh, 2)], settings, now=now + LEASE + timedelta(seconds=3))
    row = _row(db, first)
    assert (row.state, row.attempts, row.wamid) == ("sent", 1, "wamid.CLAIM.2")
    record_results(db, [_ok(fresh, 3)], settings)  # the same result twice counts once
    assert _row(db, first).attempts == 1 and _row(db, first).wamid == "wamid.CLAIM.2"


def test_one_message_per_requester_in_flight_oldest_first(db: Database, settings: BotSettings) -> None:
    a1, b1, a2, a3 = _queue(db, (ANA, "a1"), (BETO, "b1"), (ANA, "a2"), (ANA, "a3"))
    now = utcnow()
    jobs = claim_due(db, settings, now=now)
    assert sorted(j.id for j in jobs) == [a1, b1]  # a2 waits while a1 is in flight
    assert claim_due(db, settings, now=now) == []
    record_results(db, [_ok(j, j.id) for j in jobs], settings, now=now)
    assert [j.id for j in claim_due(db, settings, now=now)] == [a2]
    assert claim_due(db, settings, now=now) == []  # a3 still behind a2's lease
    assert _row(db, a3).next_attempt_at <= now  # due all along, yet not claimed


def test_a_message_waiting_for_a_retry_holds_back_the_later_ones(
    db: Database, settings: BotSettings
) -> None:
    a1, a2 = _queue(db, (ANA, "a1"), (ANA, "a2"))
    now = utcnow()
    [job] = claim_due(db, settings, now=now)
    record_results(db, [(job, SendResult(code=130429, error="throttled"))], settings, now=now)
    retry_at: datetime = _row(db, a1).next_attempt_at
    assert _row(db, a1).state == "queued" and retry_at > now
    assert claim_due(db, settings, now=now) == []  # a2 is due, but not before a1
    [again] = claim_due(db, settings, now=retry_at)
    assert again.id == a1
    record_results(db, [_ok(again, 1)], settings, now=retry_at)
    assert [j.id for j in claim_due(db, settings, now=retry_at)] == [a2]


def test_the_claim_limit_counts_requesters_not_messages(db: Database, settings: BotSettings) -> None:
    ids = _queue(db, *[(f"54911000002{n:02d}", f"m{k}") for n in range(5) for k in range(3)])
    jobs = claim_due(db, settings, limit=3)
    assert len(jobs) == 3 and len({j.to_wa_id for j in jobs}) == 3
    assert [j.id for j in jobs] == ids[0:9:3]  # each requester's first, in queue order
