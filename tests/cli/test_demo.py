"""``iticket demo`` through the real executable: without a terminal it builds and keeps the demo
database and says how to open it; the database is what the issue promises (tickets filed by the
bot's conversation engine, then worked by several people of several units, nothing in the future)."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from iticket.core.db import Database
from iticket.core.models import (
    Activity,
    ActivityKind,
    Note,
    OutboundMessage,
    Requester,
    Task,
    Ticket,
    User,
)
from iticket.core.timeutil import utcnow
from tests.conftest import Cli


def test_demo_without_a_terminal_keeps_a_realistic_database(cli: Cli) -> None:
    started = utcnow()
    r = cli("demo", "--tickets", "60", "--days", "20", timeout=240)
    assert r.code == 0, r.stderr
    match = re.search(r"iticket --db (sqlite:///\S+)", r.stderr)
    assert match, r.stderr
    assert "demo1234" in r.stderr and "laura" in r.stderr  # the login hint
    db = Database(match.group(1))
    try:
        with db.read() as s:
            assert s.scalar(select(func.count()).select_from(Ticket)) == 60
            statuses = dict(s.execute(select(Ticket.status, func.count()).group_by(Ticket.status)).all())
            assert set(statuses) == {"pending", "in_progress", "resolved", "rejected"}, statuses
            assert len(set(s.scalars(select(Ticket.unit_code)))) >= 3
            bot = s.scalar(select(User.id).where(User.username == "wspbot"))
            created_by = set(s.scalars(select(Activity.actor_id).where(Activity.kind == ActivityKind.TICKET_CREATED)))
            assert created_by == {bot}
            assert s.scalar(select(func.count()).select_from(Requester)) > 0  # through the intake
            closers = set(s.scalars(select(Activity.actor_id).where(Activity.kind == ActivityKind.STATUS_CHANGED)))
            assert len(closers) >= 3
            assert s.scalar(select(func.count()).select_from(Note)) > 0
            assert s.scalar(select(func.count()).select_from(Task)) > 0
            assert s.scalar(select(func.count()).select_from(OutboundMessage)) >= statuses["resolved"]
            latest = s.scalar(select(func.max(Activity.at)))
            assert latest is not None and latest <= utcnow()
            earliest = s.scalar(select(func.min(Ticket.created_at)))
            assert earliest is not None and earliest >= started - timedelta(days=21)
    finally:
        db.dispose()
        shutil.rmtree(Path(match.group(1).removeprefix("sqlite:///")).parent)
