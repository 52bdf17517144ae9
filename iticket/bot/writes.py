"""One in-process gate for the bot's database writes.

SQLite lets one writer in at a time; a writer that finds the file locked sleeps in SQLite's
busy handler with growing back-off (up to 100 ms a nap), which is what turns a lock contention
into a long tail latency. The bot's own writers (the inbound store, the processor, the sender,
the downloader) therefore queue on a plain in-process lock first, so inside the process they
take turns without ever hitting the busy handler; other processes (CLI, TUI) still meet
``BEGIN IMMEDIATE`` and the busy timeout as usual.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from weakref import WeakKeyDictionary

from sqlmodel import Session

from iticket.core.db import Database

_LOCKS: WeakKeyDictionary[Database, threading.Lock] = WeakKeyDictionary()
_GUARD = threading.Lock()


def gate(db: Database) -> threading.Lock:
    with _GUARD:
        lock = _LOCKS.get(db)
        if lock is None:
            lock = _LOCKS[db] = threading.Lock()
        return lock


@contextmanager
def write(db: Database) -> Iterator[Session]:
    """``db.write()`` behind the process's gate."""
    with gate(db), db.write() as session:
        yield session
