"""Engines, transactions and migrations.

``Database`` is the one way in: ``read()`` for queries, ``write()`` for a unit of work that
commits on success and rolls back on any exception. On SQLite, write transactions start with
``BEGIN IMMEDIATE`` and the file runs in WAL mode with a busy timeout, so the TUI, the CLI and the
bot can share one file without "database is locked" errors: writers queue instead of failing
when a read transaction tries to upgrade.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine

from iticket.core.errors import DatabaseUnavailable, ValidationError
from iticket.core.i18n import _

_WRITE = "iticket_write"
CHANGED = "iticket_changed"  # session.info flag: this write logged activity
# session.info: {name: hook(session)} run once, just before a write commits (statistics rollups).
PRECOMMIT = "iticket_precommit"
CHANGES_CHANNEL = "iticket_changes"  # PostgreSQL LISTEN/NOTIFY channel
BUSY_TIMEOUT_MS = 30_000


# The engines and drivers iTicket is built and tested for (plain ``postgresql://`` is psycopg 3
# with SQLAlchemy 2.1, the driver iTicket ships with).
SUPPORTED_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"})


def database_url(url: str) -> URL:
    """Parse ``url`` and refuse an engine iTicket does not support, in one clear line (instead
    of a missing driver's "No module named 'MySQLdb'"). A string that is not a URL at all still
    raises SQLAlchemy's ``ArgumentError``, which each front end words as a bad URL."""
    u = make_url(url)
    if u.drivername not in SUPPORTED_DRIVERS:
        raise ValidationError(
            _("Unsupported database '{name}': use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/NAME.").format(
                name=u.drivername
            )
        )
    return u


def make_engine(url: str, *, echo: bool = False) -> Engine:
    u = database_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            folder = Path(u.database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseUnavailable(
                    _("Cannot create the database folder {path}: {error}").format(
                        path=folder, error=exc.strerror or exc
                    )
                ) from None
        engine = create_engine(
            u,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        )
        _configure_sqlite(engine)
        return engine
    kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": True}
    if u.get_backend_name() == "postgresql":
        kwargs["pool_size"] = 5
    return create_engine(u, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is always DEFERRED).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if conn.get_execution_options().get(_WRITE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


class Database:
    """An engine plus the two kinds of unit of work the services use."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = make_engine(url, echo=echo)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Session]:
        # Closing the session ends the (read) transaction without expiring loaded objects.
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One transaction: commit when the block ends normally, roll back otherwise.

        On PostgreSQL a write that logged activity also sends ``NOTIFY iticket_changes``
        (delivered only if it commits), which live screens listen for instead of polling."""
        with Session(self.engine, expire_on_commit=False) as session:
            session.connection(execution_options={_WRITE: True})
            try:
                yield session
                for hook in session.info.pop(PRECOMMIT, {}).values():
                    hook(session)
                if session.info.get(CHANGED) and self.dialect == "postgresql":
                    session.execute(text(f"NOTIFY {CHANGES_CHANNEL}"))
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()


def lock_key(session: Session, scope: str, key: str, *, wait: bool = True) -> bool:
    """Serialize work on one key (a WhatsApp sender, say) across processes until the current
    transaction ends; with ``wait=False`` return False at once if another transaction has it.

    PostgreSQL: a transaction-level advisory lock on (hash of scope, hash of key), released by
    commit or rollback, so a crashed process can never leave it held. SQLite: every write
    transaction already runs alone (``BEGIN IMMEDIATE``), so there is nothing to take."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    fn = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
    row = session.execute(
        text(f"SELECT {fn}(hashtext(:scope), hashtext(:key))"), {"scope": scope, "key": key}
    ).first()
    return True if wait else bool(row and row[0])


def null_pool_engine(url: str) -> Engine:
    """An engine that keeps no idle connections (for short-lived tools)."""
    return create_engine(url, poolclass=NullPool)


# ---------------------------------------------------------------- migrations

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def current_revision(db: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(db: Database, revision: str = "head") -> None:
    """Apply migrations (idempotent). Runs on first use and by ``iticket db upgrade``."""
    from alembic import command

    cfg = alembic_config(db.url)
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Two processes starting on a fresh database (bots behind a load balancer) would
            # both create the tables; the second waits here, then finds nothing to do.
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('iticket:migrate'))"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


# The newest migration's id. A test checks it equals Alembic's head, so the common case
# (schema up to date) costs one small query instead of loading Alembic on every command.
SCHEMA_REVISION = "0003"


def ensure_schema(db: Database) -> None:
    """Apply migrations on first use (and after an upgrade of iTicket)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    try:
        with db.engine.connect() as conn:
            rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except DBAPIError:
        rev = None
    if rev != SCHEMA_REVISION:
        upgrade(db)
