"""``ChangeFeed``: the one place front ends ask "did anything change since I last looked?".

Every change in iTicket appends to the activity log in the same transaction (ticket created by
the bot, assigned, noted, closed, tasks, users), so the largest activity id is a complete and
cheap change marker: one lookup at the end of the primary-key index, whatever the table size.
A screen polls ``changed()`` about once a second and reloads only when it says so.

The TUI depends only on this small interface. On PostgreSQL the feed listens instead of
polling (:mod:`iticket.core.pg_notify`): ``changed()`` costs no query until a committed write
sends ``NOTIFY``, then reads the mark once; on SQLite it stays the one-query poll.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import func, select

from iticket.core.db import Database
from iticket.core.models import Activity

if TYPE_CHECKING:
    from iticket.core.pg_notify import ChangeListener


class ChangeFeed:
    """Polls the activity log's high-water mark. Not thread-safe: use one per poller."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._mark: int | None = None
        self._listener: ChangeListener | None = None
        if db.dialect == "postgresql":
            from iticket.core.pg_notify import ChangeListener

            self._listener = ChangeListener(db)

    def mark(self) -> int:
        """The current high-water mark (0 on an empty database)."""
        with self._db.read() as session:
            return int(session.exec(select(func.max(Activity.id))).one() or 0)

    def changed(self) -> bool:
        """True when something was written since the previous call (False on the first)."""
        listener = self._listener
        if listener is not None:
            notified = listener.pending()  # the first call starts listening (and says True)
            if self._mark is not None and not notified:
                return False
        current = self.mark()
        previous, self._mark = self._mark, current
        return previous is not None and current != previous

    def close(self) -> None:
        """Release the PostgreSQL listening connection, if any."""
        if self._listener is not None:
            self._listener.close()
