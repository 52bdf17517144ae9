"""Copy a whole installation from one database to another (SQLite ⇄ PostgreSQL).

``copy_database(source, target)`` moves every table the schema defines (units, sectors, users,
tokens, tickets, notes, attachments, tasks, activity, conversations, requesters, inbound
events, outbox, statistics rollups), parents before children, in primary-key order and in
batches, so memory stays constant whatever the size. The contract:

- the target is migrated to the current schema first (an empty database is fine); the source
  must already be at the current revision (we never migrate the database we read from);
- a target that is not empty is refused unless ``force=True``. Not empty means: any row in
  iTicket's tables, or any table that is not iTicket's (another application's, in any schema),
  with rows or without. iTicket's tables are the schema's tables plus ``alembic_version``;
- ``force=True`` empties and refills iTicket's tables only: other tables are left untouched
  (never dropped, emptied or altered). It still refuses, changing nothing, when another table
  refers to rows it would have to delete, or when ``alembic_version`` holds another
  application's revision (iTicket would have to take over that application's migrations);
- the copy is one target transaction: on any error nothing is left half-written;
- the source is read in one snapshot (a SQLite read transaction, PostgreSQL REPEATABLE READ),
  so a bot writing meanwhile cannot make the copy inconsistent;
- PostgreSQL sequences are moved past the copied ids, so new rows keep getting fresh ids;
- row counts are compared table by table before committing.

Exit codes in the CLI: a URL that is not one (or names an engine iTicket does not support) is a
usage error (2); a database that cannot be opened or reached (a missing SQLite file, a file that
is not a database, a refused connection) is ``DatabaseUnavailable`` (1); a target that is not
empty is a conflict (6).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Table, func, select, text, tuple_
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, NoSuchModuleError
from sqlmodel import SQLModel

from iticket.core.db import Database, current_revision, head_revision, upgrade
from iticket.core.errors import Conflict, DatabaseUnavailable, ValidationError
from iticket.core.i18n import _
from iticket.core.models import StatDaily, StatDuration, StatHourly, StatRollup, StatSector

DEFAULT_BATCH = 2_000
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied, in copy order

    @property
    def total(self) -> int:
        return sum(self.rows.values())


# The statistics rollups are derived from the activity log: a fresh target already holds the
# (empty) rollup state its migration wrote, which neither makes it "not empty" nor may block the
# copy; the source's rollups replace it.
_DERIVED = frozenset(m.__tablename__ for m in (StatRollup, StatDaily, StatHourly, StatSector, StatDuration))


def tables() -> list[Table]:
    """Every application table, parents before children (the order inserts must follow)."""
    return list(SQLModel.metadata.sorted_tables)


def safe_url(url: str) -> str:
    from sqlalchemy import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _open(url: str) -> Database:
    try:
        database = Database(url)
        with database.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return database
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ValidationError(_("Not a database URL: {url}").format(url=safe_url(url))) from exc
    except DBAPIError as exc:
        raise DatabaseUnavailable(
            _("Cannot open {url}: {reason}").format(url=safe_url(url), reason=_reason(exc))
        ) from exc


def _reason(exc: DBAPIError) -> str:
    lines = str(exc.orig if exc.orig is not None else exc).strip().splitlines()
    return lines[0] if lines else exc.__class__.__name__


def _require_existing_sqlite_file(url: str) -> None:
    """Opening a missing SQLite file would create an empty one: say what is wrong instead."""
    from pathlib import Path

    from sqlalchemy import make_url

    try:
        u = make_url(url)
    except ArgumentError as exc:
        raise ValidationError(_("Not a database URL: {url}").format(url=safe_url(url))) from exc
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:") and not (
        Path(u.database or "").expanduser().is_file()
    ):
        raise DatabaseUnavailable(_("No such database file: {path}").format(path=u.database))


def _has_rows(database: Database) -> bool:
    """Any row in any application table that exists (the schema may not exist yet)."""
    from sqlalchemy import inspect

    with database.engine.connect() as conn:
        existing = set(inspect(conn).get_table_names())
        return any(
            conn.execute(select(t).limit(1)).first() is not None
            for t in tables() if t.name in existing and t.name not in _DERIVED
        )


# Besides the schema's tables, iTicket owns Alembic's bookkeeping table.
_VERSION_TABLE = "alembic_version"
_SHOWN = 5  # foreign tables named in the refusal; the rest are counted


def _foreign_tables(database: Database) -> list[str]:
    """Tables that are not iTicket's, sorted (``schema.table`` outside the default schema).
    PostgreSQL: every schema but the system ones; SQLite: the main database."""
    from sqlalchemy import inspect

    ours = {t.name for t in tables()} | {_VERSION_TABLE}
    with database.engine.connect() as conn:
        insp = inspect(conn)
        default = insp.default_schema_name
        schemas: list[str | None] = [None]
        if conn.dialect.name == "postgresql":
            schemas += [s for s in insp.get_schema_names()
                        if s != default and s != "information_schema" and not s.startswith("pg_")]
        found = [name for name in insp.get_table_names() if name not in ours]
        for schema in schemas[1:]:
            found += [f"{schema}.{name}" for name in insp.get_table_names(schema=schema)]
    return sorted(found)


def _foreign_revision(database: Database) -> str | None:
    """The revision in the target's ``alembic_version`` if it is not one of iTicket's."""
    from alembic.script import ScriptDirectory

    from iticket.core.db import alembic_config

    revision = current_revision(database)
    if revision is None:
        return None
    known = {r.revision for r in ScriptDirectory.from_config(alembic_config("sqlite://")).walk_revisions()}
    return None if revision in known else revision


def _check_target(target: Database, *, force: bool) -> None:
    """Refuse a target that is not empty (unless forced) or that belongs to another
    application's migrations, before anything is written to it."""
    if not force:
        foreign = _foreign_tables(target)
        if foreign:
            names = ", ".join(foreign[:_SHOWN])
            if len(foreign) > _SHOWN:
                names += " " + _("and {n} more").format(n=len(foreign) - _SHOWN)
            raise Conflict(
                _("The target database holds other tables ({tables}): use --force to copy into it anyway (iTicket's tables are replaced, the others are left untouched).").format(
                    tables=names
                )
            )
        if _has_rows(target):
            raise Conflict(_("The target database is not empty: use --force to replace its contents."))
    revision = _foreign_revision(target)
    if revision is not None:
        raise Conflict(
            _("The target database's alembic_version holds another application's revision '{rev}': copy into a database of its own.").format(
                rev=revision
            )
        )


def _is_empty(conn: Connection) -> bool:
    return all(conn.execute(select(t).limit(1)).first() is None for t in tables() if t.name not in _DERIVED)


def _counts(conn: Connection) -> dict[str, int]:
    return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in tables()}


def copy_database(
    source_url: str,
    target_url: str,
    *,
    force: bool = False,
    batch_size: int = DEFAULT_BATCH,
    progress: Progress | None = None,
) -> CopyReport:
    """Copy everything from ``source_url`` into ``target_url`` (see the module contract)."""
    if batch_size < 1:
        raise ValidationError(_("The batch size must be at least 1."))
    _require_existing_sqlite_file(source_url)
    source, target = _open(source_url), _open(target_url)
    try:
        if _same_database(source, target):
            raise ValidationError(_("The source and the target are the same database."))
        if current_revision(source) != head_revision():
            raise ValidationError(
                _("The source database is not at the current schema: run 'iticket db upgrade' on it first.")
            )
        _check_target(target, force=force)  # before migrating: refusing changes nothing
        upgrade(target)  # idempotent: creates the schema in an empty database
        return _copy(source, target, force=force, batch_size=batch_size, progress=progress)
    finally:
        source.dispose()
        target.dispose()


def _same_database(a: Database, b: Database) -> bool:
    ua, ub = a.engine.url, b.engine.url
    if ua.get_backend_name() != ub.get_backend_name():
        return False
    if ua.get_backend_name() == "sqlite":
        from pathlib import Path

        return bool(ua.database) and bool(ub.database) and (
            Path(ua.database or "").resolve() == Path(ub.database or "").resolve()
        )
    return (ua.host, ua.port, ua.database, ua.query.get("host")) == (
        ub.host, ub.port, ub.database, ub.query.get("host"))


def _source_connection(engine: Engine) -> Connection:
    if engine.dialect.name == "postgresql":
        return engine.connect().execution_options(isolation_level="REPEATABLE READ")
    return engine.connect()


def _copy(source: Database, target: Database, *, force: bool, batch_size: int,
          progress: Progress | None) -> CopyReport:
    rows: dict[str, int] = {}
    with _source_connection(source.engine) as src, src.begin(), target.engine.begin() as dst:
        if not _is_empty(dst):
            if not force:
                raise Conflict(
                    _("The target database is not empty: use --force to replace its contents.")
                )
            _empty(dst, tables())
        _empty(dst, [t for t in tables() if t.name in _DERIVED])
        for table in tables():
            rows[table.name] = _copy_table(src, dst, table, batch_size, progress)
        if dst.dialect.name == "postgresql":
            _reset_sequences(dst)
        expected, got = _counts(src), _counts(dst)
        if expected != got:  # a bug, never a user mistake: roll everything back
            raise RuntimeError(f"row counts differ after copy: {expected} != {got}")
    return CopyReport(safe_url(source.url), safe_url(target.url), rows)


def _empty(conn: Connection, which: list[Table]) -> None:
    """Delete every row of ``which``, children first. Another application's table that refers
    to one of those rows stops it: a conflict, and the whole copy is rolled back."""
    for table in reversed(which):
        try:
            conn.execute(table.delete())
        except IntegrityError as exc:
            raise Conflict(
                _("Cannot replace the target's table {table}: another table refers to its rows ({reason}).").format(
                    table=table.name, reason=_reason(exc)
                )
            ) from exc


def _copy_table(src: Connection, dst: Connection, table: Table, batch_size: int,
                progress: Progress | None) -> int:
    """Keyset-paginate the source by primary key (a row value for composite keys, as the
    statistics rollups have): each batch is one indexed range query."""
    pk = list(table.primary_key.columns)
    key = pk[0] if len(pk) == 1 else tuple_(*pk)
    copied = 0
    last: tuple[object, ...] | None = None
    while True:
        query = select(table).order_by(*pk).limit(batch_size)
        if last is not None:
            query = query.where(key > (last[0] if len(pk) == 1 else tuple_(*last)))
        batch = [dict(r._mapping) for r in src.execute(query)]
        if not batch:
            return copied
        dst.execute(table.insert(), batch)
        copied += len(batch)
        last = tuple(batch[-1][c.name] for c in pk)
        if progress is not None:
            progress(table.name, copied)


def _reset_sequences(conn: Connection) -> None:
    """Explicit ids were inserted, so each serial sequence still starts at 1: move it on."""
    preparer = conn.dialect.identifier_preparer
    for table in tables():
        columns = list(table.primary_key.columns)
        pk = columns[0]
        if len(columns) != 1 or not pk.autoincrement or not _is_integer(pk):
            continue
        qualified = preparer.format_table(table)
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:t, :c), "
                f"COALESCE((SELECT MAX({preparer.quote(pk.name)}) FROM {qualified}), 0) + 1, false)"
            ),
            {"t": qualified, "c": pk.name},
        )


def _is_integer(column: object) -> bool:
    from sqlalchemy import Integer

    return isinstance(getattr(column, "type", None), Integer)
