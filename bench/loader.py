"""Bulk loading for the generator: one connection, big transactions, indexes off during the load.

Contract: a :class:`Loader` writes rows given as tuples in the column orders below, through
SQLAlchemy Core, into a database already migrated and seeded. ``drop_indexes`` /
``restore_indexes`` take the ticket, note and activity indexes away during the load and put the
very same definitions back, so the schema afterwards is the migrated one. The generic loader
works on any engine SQLAlchemy speaks (typed values, ``conn.execute(insert(t), rows)``);
:class:`SqliteLoader` holds every SQLite-only shortcut and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, create_engine, event, func, insert, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

from bench.simulate import Staff, Stamp, seconds_to_datetime
from iticket.core.models import Activity, Note, Role, Ticket, User
from iticket.core.passwords import hash_password
from iticket.core.rules import search_key
from iticket.core.timeutil import utcnow

TICKET_COLS = (
    "id", "requester_name", "requester_sector", "requester_extension", "requester_phone",
    "detail", "status", "unit_code", "assignee_id", "created_by_id", "closed_by_id",
    "created_at", "updated_at", "first_assigned_at", "closed_at", "resolution_message", "version",
    "search_text",  # filled in by insert_tickets, as create_ticket fills it
)
NOTE_COLS = ("id", "ticket_id", "author_id", "created_at", "text")
ACTIVITY_COLS = (
    "id", "at", "kind", "actor_id", "ticket_id", "unit_code", "other_unit_code", "user_id",
    "before", "after", "detail",
)
BULK_TABLES = ("ticket", "note", "activity")
AGENT_PASSWORD = "agente-bench"
_TABLES: dict[str, Table] = {
    "ticket": Ticket.__table__, "note": Note.__table__, "activity": Activity.__table__,  # type: ignore[attr-defined]
    "user": User.__table__,  # type: ignore[attr-defined]
}


class Loader:
    """Plain SQLAlchemy Core: correct on every engine, typed values go through column types."""

    def __init__(self, engine: Engine, *, now: datetime | None = None) -> None:
        self.engine = engine
        self.conn: Connection = engine.connect()
        self.now = (now or utcnow()).astimezone(UTC).replace(microsecond=0)

    # ---- queries
    def count(self, table: str) -> int:
        return int(self.conn.execute(select(func.count()).select_from(_TABLES[table])).scalar_one())

    def next_id(self, table: str) -> int:
        t = _TABLES[table]
        return int(self.conn.execute(select(func.coalesce(func.max(t.c.id), 0))).scalar_one()) + 1

    # ---- people
    def add_agents(self, agents: Sequence[tuple[str, str, str]], start: datetime) -> Staff:
        """Agents share one argon2 hash (hashing 80 passwords would cost seconds for nothing);
        each gets the ``user_created`` row ``users.add_user`` would have logged."""
        users = _TABLES["user"]
        pw = hash_password(AGENT_PASSWORD)
        created = start - timedelta(days=7)
        self.conn.execute(insert(users), [
            {"username": u, "full_name": full, "unit_code": unit, "role": Role.AGENT.value,
             "active": True, "password_hash": pw, "must_change_password": False,
             "failed_logins": 0, "created_at": created}
            for u, full, unit in agents
        ])
        rows = self.conn.execute(select(users.c.id, users.c.username, users.c.unit_code,
                                        users.c.role)).all()
        ids = {name: uid for uid, name, _unit, _role in rows}
        admins = {unit: (uid, name) for uid, name, unit, role in rows if role == Role.ADMIN}
        bot = next(uid for uid, _n, _u, role in rows if role == Role.BOT)
        staff = Staff(bot=bot, admins=admins, agents={})
        for u, _full, unit in agents:
            staff.agents.setdefault(unit, []).append((ids[u], u))
        stamp = self.stamp_from(created)
        first = self.next_id("activity")
        self.insert_activity([
            (first + i, stamp(float(i)), "user_created", admins[unit][0], None, unit, None,
             ids[u], None, Role.AGENT.value, None)
            for i, (u, _full, unit) in enumerate(agents)
        ])
        self.commit()
        return staff

    # ---- rows
    stamp_kind = "datetime"

    def stamp_from(self, start: datetime) -> Stamp:
        return make_stamp(self.stamp_kind, start)

    def insert_tickets(self, rows: list[tuple[object, ...]]) -> None:
        """``rows`` in ``TICKET_COLS`` order without the last column, ``search_text``."""
        self._insert("ticket", TICKET_COLS,
                     [(*r, search_key(str(r[1]), str(r[2]), str(r[5]))) for r in rows])

    def insert_notes(self, rows: list[tuple[object, ...]]) -> None:
        self._insert("note", NOTE_COLS, rows)

    def insert_activity(self, rows: list[tuple[object, ...]]) -> None:
        self._insert("activity", ACTIVITY_COLS, rows)

    def _insert(self, table: str, cols: Sequence[str], rows: list[tuple[object, ...]]) -> None:
        if rows:
            self.conn.execute(insert(_TABLES[table]), [dict(zip(cols, r, strict=True)) for r in rows])

    def commit(self) -> None:
        self.conn.commit()

    # ---- indexes
    def drop_indexes(self) -> None:
        for name in BULK_TABLES:
            for index in _TABLES[name].indexes:
                index.drop(self.conn)
        self.commit()

    def restore_indexes(self) -> None:
        for name in BULK_TABLES:
            for index in _TABLES[name].indexes:
                index.create(self.conn)
        self.commit()

    def finish(self) -> None:
        """PostgreSQL: explicit ids were inserted, so move the sequences past them; vacuum."""
        if self.engine.dialect.name == "postgresql":
            for name in ("ticket", "note", "activity", "user"):
                self.conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM \"{name}\"))"
                )
            self.commit()
            # What autovacuum would soon do after a bulk load: statistics for the planner and
            # the visibility map that index-only scans (the dashboard counts) rely on.
            self.conn.execution_options(isolation_level="AUTOCOMMIT")
            self.conn.exec_driver_sql("VACUUM ANALYZE")
        self.commit()

    def close(self) -> None:
        self.conn.close()
        self.engine.dispose()


class SqliteLoader(Loader):
    """SQLite shortcuts, all confined here: no journal and no fsync while loading (the file is
    rebuilt from scratch if the run dies), timestamps pre-rendered as text (see
    :func:`make_stamp`), tuples handed
    straight to the driver's ``executemany``, and indexes rebuilt from their stored DDL."""

    def __init__(self, engine: Engine, *, now: datetime | None = None) -> None:
        super().__init__(engine, now=now)
        self._index_sql: list[str] = []
        self._sql = {
            name: str(insert(_TABLES[name]).compile(dialect=engine.dialect, column_keys=list(cols)))
            for name, cols in (("ticket", TICKET_COLS), ("note", NOTE_COLS),
                               ("activity", ACTIVITY_COLS))
        }

    stamp_kind = "sqlite"

    def _insert(self, table: str, cols: Sequence[str], rows: list[tuple[object, ...]]) -> None:
        if rows:
            self.conn.exec_driver_sql(self._sql[table], rows)  # type: ignore[arg-type]

    def drop_indexes(self) -> None:
        names = ", ".join(f"'{t}'" for t in BULK_TABLES)
        rows = self.conn.exec_driver_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({names}) ORDER BY name"
        ).all()
        self._index_sql = [sql for _name, sql in rows]
        for name, _sql in rows:
            self.conn.exec_driver_sql(f'DROP INDEX "{name}"')
        self.commit()

    def restore_indexes(self) -> None:
        for sql in self._index_sql:
            self.conn.exec_driver_sql(sql)
        self.commit()

    def finish(self) -> None:
        self.commit()
        # Back to what the application expects on disk (it also sets WAL on every connect).
        self.conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        self.commit()


class PostgresLoader(Loader):
    """PostgreSQL shortcut, confined here: rows stream in with ``COPY … FROM STDIN`` on the
    same connection (same transaction) instead of multi-row INSERTs."""

    def _insert(self, table: str, cols: Sequence[str], rows: list[tuple[object, ...]]) -> None:
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in cols)
        raw = self.conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)


def make_stamp(kind: str, start: datetime) -> Stamp:
    """Seconds since ``start`` → a column value. ``"sqlite"``: the exact text SQLAlchemy's
    SQLite ``DATETIME`` stores (naive UTC, ``YYYY-MM-DD HH:MM:SS.ffffff``), so no per-value
    type processing is needed; ``"datetime"``: an aware datetime for the column type to bind."""
    if kind == "sqlite":
        base = start.astimezone(UTC).replace(tzinfo=None)
        return lambda s: (base + timedelta(seconds=s)).isoformat(" ", "microseconds")
    return seconds_to_datetime(start)


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _bulk_pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000",
                       "temp_store=MEMORY", "foreign_keys=OFF", "threads=2"):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    return engine


def open_loader(url: str, *, now: datetime | None = None) -> Loader:
    if url.startswith("sqlite"):
        return SqliteLoader(_sqlite_engine(url), now=now)
    engine = create_engine(url)
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        return PostgresLoader(engine, now=now)
    return Loader(engine, now=now)
