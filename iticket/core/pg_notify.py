"""PostgreSQL ``LISTEN`` for live screens: "has anything been written since I last asked?".

Every write that logs activity sends ``NOTIFY iticket_changes`` in its own transaction
(:meth:`iticket.core.db.Database.write`), so a listener learns of a change when — and only
if — it commits, without querying anything. :class:`ChangeListener` keeps one dedicated
autocommit connection (outside the pool: a pooled connection would be handed to other work)
and answers :meth:`pending` without blocking. When that connection breaks (server restart,
network), ``pending`` says True — the caller then checks for itself, as it would when polling —
and reconnects on the next call, so a lost notification can cost a refresh, never a change.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from iticket.core.db import CHANGES_CHANNEL, Database

log = logging.getLogger("iticket.core")


class ChangeListener:
    """One LISTEN connection. Not thread-safe: use one per poller, like ``ChangeFeed``."""

    def __init__(self, db: Database) -> None:
        if db.dialect != "postgresql":
            raise ValueError("LISTEN/NOTIFY needs PostgreSQL")
        self._db = db
        self._conn: Any = None

    def _connect(self) -> Any:
        raw = self._db.engine.raw_connection()
        conn = raw.driver_connection
        raw.detach()  # ours for good: never returned to the pool
        if conn is None:
            raise RuntimeError("no driver connection")
        conn.autocommit = True
        conn.execute(f"LISTEN {CHANGES_CHANNEL}")
        return conn

    def pending(self) -> bool:
        """True if a change was committed since the previous call (or if we cannot tell)."""
        try:
            if self._conn is None:
                self._conn = self._connect()
                return True  # we may have missed notifications while not listening
            return any(True for _ in self._drain())
        except Exception as exc:  # any driver error: fall back to "maybe", retry next time
            log.warning("change listener lost its connection: %s", exc)
            self.close()
            return True

    def _drain(self) -> list[object]:
        return list(self._conn.notifies(timeout=0))

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # a broken connection: nothing left to do
                conn.close()
