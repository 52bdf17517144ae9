"""Durable, deduplicated storage of webhook events, with group commit.

``await store.put(rows)`` returns once the rows are committed: only then may the webhook answer
200. Each row is inserted with ``ON CONFLICT (event_key) DO NOTHING``, so a redelivered event is
a no-op, atomically, even when two deliveries race. Concurrent POSTs are committed together by
one writer thread (one transaction and one WAL sync for many requests), which is what lets a
single SQLite file take well over a thousand messages a second with a short tail latency.
If a combined transaction fails, each request's rows are retried alone so one bad request
cannot fail the others.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
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
MAX_GROUP_ROWS = 5000
_Item = tuple[list[EventRow], "Future[None]"]


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
    def __init__(self, db: Database, *, on_commit: Callable[[], None] | None = None) -> None:
        self.db = db
        self.on_commit = on_commit
        self._queue: queue.Queue[_Item | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="iticket-inbound", daemon=True)
        self.commits = 0
        self.last_commit = 0.0  # time.monotonic() of the last group commit

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    async def put(self, rows: list[EventRow]) -> None:
        if not rows:
            return
        fut: Future[None] = Future()
        self._queue.put((rows, fut))
        await asyncio.wrap_future(fut)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            group, size, stop = [item], len(item[0]), False
            while size < MAX_GROUP_ROWS:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                group.append(more)
                size += len(more[0])
            self._commit(group)
            if stop:
                return

    def _commit(self, group: list[_Item]) -> None:
        try:
            insert_events(self.db, [row for rows, _f in group for row in rows])
            for _rows, fut in group:
                fut.set_result(None)
        except Exception:
            log.warning("group commit of %d requests failed; retrying each alone", len(group))
            for rows, fut in group:
                try:
                    insert_events(self.db, rows)
                    fut.set_result(None)
                except Exception as exc:
                    fut.set_exception(exc)
        self.commits += 1
        self.last_commit = time.monotonic()
        if self.on_commit is not None:
            self.on_commit()


    def busy(self, *, within: float = 0.05) -> bool:
        """Whether webhook rows were committed in the last ``within`` seconds."""
        return time.monotonic() - self.last_commit < within
