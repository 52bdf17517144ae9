"""The TUI's ``ChangeFeed`` on PostgreSQL: LISTEN/NOTIFY instead of polling.

A committed write that logs activity, made by another process (the real ``iticket`` executable),
wakes the feed; writes that log nothing or roll back do not; while nothing happens the feed
runs no query at all; a killed listening connection costs one refresh and then works again.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import event, text

from iticket.bot.inbound import EventRow
from iticket.bot.store import insert_events
from iticket.core.changes import ChangeFeed
from iticket.core.db import Database
from iticket.core.models import ActivityKind
from iticket.core.services import tasks
from iticket.core.services._common import log as log_activity
from tests.conftest import Cli


def wait_changed(feed: ChangeFeed, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if feed.changed():
            return True
        time.sleep(0.01)
    return False


def count_queries(db: Database) -> list[str]:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    return seen


def test_a_commit_in_another_process_wakes_the_feed(pg_db: Database, pg_url: str, cli: Cli) -> None:
    feed = ChangeFeed(pg_db)
    try:
        assert feed.changed() is False  # first call: starts listening, sets the mark
        queries = count_queries(pg_db)
        for _ in range(20):
            assert feed.changed() is False
        assert queries == [], "an idle feed on PostgreSQL must not query"

        r = cli("tasks", "add", "Revisar UPS", "--date", "2026-12-03",
                env={"ITICKET_DATABASE_URL": pg_url, "ITICKET_TOKEN": _token(pg_db)})
        assert r.code == 0, r.stderr
        assert wait_changed(feed)
        assert feed.changed() is False  # consumed
    finally:
        feed.close()


def _token(db: Database) -> str:
    from iticket.core.services import auth

    actor = auth.authenticate(db, "sofia", "sofia-secreta-1")
    return auth.create_token(db, "test", actor=actor)[1]


def test_writes_without_activity_or_rolled_back_stay_silent(pg_db: Database, actors: Any) -> None:
    feed = ChangeFeed(pg_db)
    try:
        feed.changed()
        insert_events(pg_db, [EventRow("wamid.X", "message", "549110", 1, "{}")])
        with pytest.raises(RuntimeError), pg_db.write() as session:
            log_activity(session, ActivityKind.TASK_POSTED, actor_id=None, detail="never")
            raise RuntimeError("roll back")
        time.sleep(0.2)  # give a (wrong) notification time to arrive before asserting silence
        assert feed.changed() is False
    finally:
        feed.close()


def test_a_lost_listening_connection_costs_one_refresh(pg_db: Database) -> None:
    from iticket.core.services import auth

    sofia = auth.authenticate(pg_db, "sofia", "sofia-secreta-1")
    feed = ChangeFeed(pg_db)
    try:
        feed.changed()
        with pg_db.engine.connect() as conn:
            killed = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE query ILIKE 'LISTEN%' AND datname = current_database()")).scalar()
        assert killed == 1
        assert feed.changed() is False  # broken: the feed re-reads the mark, which is unchanged
        tasks.add_task(pg_db, "Cambiar tóner", actor=sofia, day=__import__("datetime").date(2026, 1, 2))
        assert wait_changed(feed)
    finally:
        feed.close()
