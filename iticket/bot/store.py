"""Durable, deduplicated storage of webhook events, with group commit.

``await store.put(rows)`` returns once the rows are committed: only then may the webhook answer
200. Each row is inserted with ``ON CONFLICT (event_key) DO NOTHING``, so a redelivered event is
a no-op, atomically, even when two deliveries race. Concurrent POSTs are committed together
(group commit: one transaction for every request that arrived in one event-loop iteration),
which is what lets a single SQLite file take thousands of messages a second.
If a combined transaction fails, each request's rows are retried alone so one bad request
cannot fail the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from iticket.bot import writes
from iticket.bot.inbound import EventRow
from iticket.core.db import Database
from iticket.core.models import InboundEvent
from iticket.core.timeutil import utcnow

log = logging.getLogger("iticket.bot")
MAX_GROUP_ROWS = 1000  # requests per group


def insert_events(db: Database, rows: list[EventRow]) -> None:
    """Insert ``rows`` in one transaction, skipping event keys already stored."""
    if not rows:
        return
    insert: Any = pg_insert if db.dialect == "postgresql" else sqlite_insert
    now = utcnow()
    values = [{**asdict(r), "received_at": now} for r in rows]
    stmt = insert(InboundEvent.__table__).on_conflict_do_nothing(index_elements=["event_key"])
    with writes.write(db) as session:
        session.execute(stmt, values)


class InboundStore:
    """Group commit inside the event loop: the rows of every request that arrived during one
    loop iteration are inserted by a single callback, in one transaction, and each request's
    future is resolved after the commit. No thread hand-off: under a busy GIL, waking a writer
    thread and then the loop again costs more than the commit itself (a couple of ms for a
    whole group on SQLite in WAL mode)."""

    def __init__(self, db: Database, *, on_commit: Callable[[], None] | None = None) -> None:
        self.db = db
        self.on_commit = on_commit
        self._pending: list[tuple[list[EventRow], asyncio.Future[None]]] = []
        self._scheduled = False
        self.commits = 0
        self.last_commit = 0.0  # time.monotonic() of the last group commit

    def start(self) -> None:
        """Nothing to start (kept so the app's lifecycle reads the same)."""

    def stop(self) -> None:
        """Nothing to stop: every put() has been answered by the time the server closes."""

    async def put(self, rows: list[EventRow]) -> None:
        if not rows:
            return
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._pending.append((rows, fut))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._flush)
        await fut

    def _flush(self) -> None:
        self._scheduled = False
        group, self._pending = self._pending[:MAX_GROUP_ROWS], self._pending[MAX_GROUP_ROWS:]
        if self._pending:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)
        try:
            insert_events(self.db, [row for rows, _f in group for row in rows])
            for _rows, fut in group:
                if not fut.done():
                    fut.set_result(None)
        except Exception:
            log.warning("group commit of %d requests failed; retrying each alone", len(group))
            for rows, fut in group:
                try:
                    insert_events(self.db, rows)
                    if not fut.done():
                        fut.set_result(None)
                except Exception as exc:
                    if not fut.done():
                        fut.set_exception(exc)
        self.commits += 1
        self.last_commit = time.monotonic()
        if self.on_commit is not None:
            self.on_commit()

    def busy(self, *, within: float = 0.05) -> bool:
        """Whether webhook rows were committed in the last ``within`` seconds."""
        return time.monotonic() - self.last_commit < within
