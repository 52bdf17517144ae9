"""``ChangeFeed``: the one place front ends ask "did anything change since I last looked?".

Every change in iTicket appends to the activity log in the same transaction (ticket created by
the bot, assigned, noted, closed, tasks, users), so the largest activity id is a complete and
cheap change marker: one lookup at the end of the primary-key index, whatever the table size.
A screen polls ``changed()`` about once a second and reloads only when it says so.

The TUI depends only on this small interface, so a PostgreSQL ``LISTEN/NOTIFY`` feed can later
replace the polling body without touching any screen.
"""

from __future__ import annotations

from sqlmodel import func, select

from iticket.core.db import Database
from iticket.core.models import Activity


class ChangeFeed:
    """Polls the activity log's high-water mark. Not thread-safe: use one per poller."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._mark: int | None = None

    def mark(self) -> int:
        """The current high-water mark (0 on an empty database)."""
        with self._db.read() as session:
            return int(session.exec(select(func.max(Activity.id))).one() or 0)

    def changed(self) -> bool:
        """True when something was written since the previous call (False on the first)."""
        current = self.mark()
        previous, self._mark = self._mark, current
        return previous is not None and current != previous
