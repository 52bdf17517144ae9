"""``iticket db copy``: a populated SQLite installation goes to PostgreSQL and back unchanged.

The installation is filled through the real services and the real bot intake (tickets with
attachments, assignments, notes, tasks, closures, tokens, conversations half-way, inbound
events, the outbox), then every table is compared row by row, with tiny batches so the
batching itself is exercised. These tests need a PostgreSQL server (``ITICKET_TEST_PG_URL``)
whatever engine the rest of the suite runs on.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.pool import NullPool

from iticket.bot.inbound import EventRow
from iticket.bot.intake import handle_text
from iticket.bot.store import insert_events
from iticket.core import dbcopy
from iticket.core.db import Database
from iticket.core.errors import Conflict, DatabaseUnavailable, ValidationError
from iticket.core.models import Actor
from iticket.core.services import auth, tasks, tickets
from iticket.core.services._common import actor_of
from tests.conftest import Cli

TABLES = {
    "unit", "sector", "user", "auth_token", "ticket", "note", "attachment", "task", "activity",
    "inbound_event", "conversation", "requester", "outbound_message",
    # the statistics rollups (composite primary keys: the copy pages them by row value)
    "stat_rollup", "stat_daily", "stat_hourly", "stat_sector", "stat_duration",
}


def populate(url: str) -> None:
    db = Database(url)
    try:
        from sqlmodel import select as sm_select

        from iticket.core.models import User

        with db.read() as s:
            a: dict[str, Actor] = {u.username: actor_of(u) for u in s.exec(sm_select(User)).all()}
        bot = a["wspbot"]
        # Two requesters through the real intake; a third stops half-way (a live conversation).
        for wa, name in (("5491100000001", "Lucía Fernández"), ("5491100000002", "Oscar O'Neil")):
            for line in ["hola", name, "guardia", "4321", "la impresora no imprime", "si"]:
                handle_text(db, wa, line)
        for line in ["hola", "Marta Díaz"]:
            handle_text(db, "5491100000003", line)
        insert_events(db, [EventRow(f"wamid.IN.{i}", "message", "5491100000001", 1_700_000_000 + i,
                                    '{"text": "ñandú ✓"}') for i in range(5)])
        for i in range(12):
            t = tickets.create_ticket(
                db, actor=bot, name=f"Persona {i}", sector="Rayos X", extension=str(1000 + i),
                phone=f"54911000010{i:02d}", detail=f"Problema número {i}\nsegunda línea",
                attachments=[tickets.NewAttachment(media_id=f"m{i}", media_type="image",
                                                   mime_type="image/jpeg", caption="foto")],
            )
            if i % 2:
                tickets.route(db, t.id, to_unit="soporte", actor=a["helpdesk"])
                tickets.assign(db, t.id, to_user="diego", actor=a["sofia"])
                tickets.add_note(db, t.id, "nota privada", actor=a["diego"])
            if i % 3 == 0 and i % 2:
                tickets.reject(db, t.id, actor=a["diego"], reason="No es de sistemas")
            elif i % 3 == 0:
                tickets.take(db, t.id, actor=a["ana"])
                tickets.resolve(db, t.id, actor=a["ana"], message="Listo")
        task = tasks.add_task(db, "Cambiar tóner 3er piso", actor=a["sofia"], day=date(2026, 3, 2))
        tasks.complete_task(db, task.id, actor=a["diego"])
        auth.create_token(db, "script", actor=a["helpdesk"])
        auth.login(db, "ana", "ana-secreta-1")
    finally:
        db.dispose()


def dump(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary-key order, as Python values (types decoded)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            out = {}
            for table in dbcopy.tables():
                pk = table.primary_key.columns
                out[table.name] = [dict(r._mapping) for r in conn.execute(select(table).order_by(*pk))]
            return out
    finally:
        engine.dispose()


@pytest.fixture
def populated(tmp_path: Path, template_db: Path) -> str:
    path = tmp_path / "source.db"
    shutil.copyfile(template_db, path)
    url = f"sqlite:///{path}"
    populate(url)
    return url


def test_sqlite_to_postgresql_and_back_is_equal(populated: str, pg_database: str, tmp_path: Path) -> None:
    original = dump(populated)
    assert set(original) == TABLES and all(original[t] for t in TABLES), "every table has rows"

    report = dbcopy.copy_database(populated, pg_database, batch_size=7)
    assert report.rows == {t: len(rows) for t, rows in original.items()}
    order = list(report.rows)
    for table in dbcopy.tables():  # parents first: every foreign key points to an earlier table
        for fk in table.foreign_keys:
            assert order.index(fk.column.table.name) < order.index(table.name)
    assert dump(pg_database) == original

    back = f"sqlite:///{tmp_path / 'back.db'}"
    dbcopy.copy_database(pg_database, back, batch_size=5)
    assert dump(back) == original


def test_postgresql_sequences_continue_after_the_copy(populated: str, pg_database: str) -> None:
    dbcopy.copy_database(populated, pg_database)
    last_id = max(r["id"] for r in dump(populated)["ticket"])
    db = Database(pg_database)
    try:
        with db.read() as s:
            from sqlmodel import select as sm_select

            from iticket.core.models import User

            wspbot = actor_of(s.exec(sm_select(User).where(User.username == "wspbot")).one())
        t = tickets.create_ticket(db, actor=wspbot, name="Nueva", sector="Guardia", extension="1234",
                                  phone=None, detail="después de copiar")
        assert t.id == last_id + 1
    finally:
        db.dispose()


def test_non_empty_target_is_refused_unless_forced(populated: str, pg_database: str) -> None:
    dbcopy.copy_database(populated, pg_database)
    before = dump(pg_database)
    with pytest.raises(Conflict, match="not empty"):
        dbcopy.copy_database(populated, pg_database)
    assert dump(pg_database) == before
    report = dbcopy.copy_database(populated, pg_database, force=True)
    assert report.total == sum(len(v) for v in before.values())
    assert dump(pg_database) == before


def test_bad_sources_are_one_clear_error_and_create_nothing(tmp_path: Path, pg_database: str) -> None:
    missing = tmp_path / "nope.db"
    with pytest.raises(DatabaseUnavailable, match="No such database file"):
        dbcopy.copy_database(f"sqlite:///{missing}", pg_database)
    assert not missing.exists()
    with pytest.raises(ValidationError, match="Not a database URL"):
        dbcopy.copy_database("not a url", pg_database)
    with pytest.raises(ValidationError, match="same database"):
        dbcopy.copy_database(pg_database, pg_database)


def test_cli_copies_and_reports_json(populated: str, pg_database: str, cli: Cli, tmp_path: Path) -> None:
    r = cli("db", "copy", "--from", populated, "--to", pg_database, "--json")
    assert r.code == 0, r.stderr
    doc = r.json()
    assert doc["rows"]["ticket"] == len(dump(populated)["ticket"]) and doc["total"] > 0
    assert "postgres" in doc["to"]

    again = cli("db", "copy", "--from", populated, "--to", pg_database)
    assert again.code == 6
    lines = [ln for ln in again.stderr.strip().splitlines() if ln]
    assert len(lines) == 1 and "--force" in lines[0] and "Traceback" not in again.stderr

    back = tmp_path / "back.db"
    r = cli("db", "copy", "--from", pg_database, "--to", f"sqlite:///{back}")
    assert r.code == 0, r.stderr
    assert dump(f"sqlite:///{back}") == dump(populated)

    bad = cli("db", "copy", "--from", f"sqlite:///{tmp_path / 'missing.db'}", "--to", pg_database,
              "--force", "--json")
    assert bad.code == 1 and bad.error()["code"] == "database"


# ---------------------------------------------------------------- targets that are not iTicket's


def run_sql(url: str, *statements: str) -> None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            for sql in statements:
                conn.execute(text(sql))
    finally:
        engine.dispose()


def table_names(url: str, schema: str | None = None) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names(schema=schema))
    finally:
        engine.dispose()


def rows_of(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


FOREIGN = [
    "CREATE TABLE pharmacy_stock (id INTEGER PRIMARY KEY, drug VARCHAR(50), qty INTEGER)",
    "INSERT INTO pharmacy_stock VALUES (1, 'amoxicilina', 40), (2, 'ibuprofeno', 12)",
]


def test_a_database_of_another_application_is_refused_unless_forced(
    populated: str, pg_database: str
) -> None:
    """Another app's tables, with rows or not, in any schema, make the target not empty; with
    --force iTicket's tables are created/replaced and the others are left exactly as they were."""
    run_sql(pg_database, *FOREIGN, "CREATE SCHEMA lab",
            "CREATE TABLE lab.samples (id INTEGER PRIMARY KEY)")
    with pytest.raises(Conflict) as info:
        dbcopy.copy_database(populated, pg_database)
    message = str(info.value)
    assert "other tables" in message and "--force" in message and "\n" not in message
    assert "pharmacy_stock" in message and "lab.samples" in message
    assert table_names(pg_database) == {"pharmacy_stock"}, "refusing changed nothing"

    report = dbcopy.copy_database(populated, pg_database, force=True)
    assert report.total == sum(len(v) for v in dump(populated).values())
    assert dump(pg_database) == dump(populated)
    assert rows_of(pg_database, "SELECT id, drug, qty FROM pharmacy_stock ORDER BY id") == [
        (1, "amoxicilina", 40), (2, "ibuprofeno", 12)]
    assert table_names(pg_database, "lab") == {"samples"}
    # forced again over its own copy: still only iTicket's tables are replaced
    dbcopy.copy_database(populated, pg_database, force=True)
    assert len(rows_of(pg_database, "SELECT * FROM pharmacy_stock")) == 2


def test_an_empty_foreign_table_counts_too_and_sqlite_targets_follow_the_same_rule(
    populated: str, tmp_path: Path
) -> None:
    target = f"sqlite:///{tmp_path / 'other-app.db'}"
    run_sql(target, "CREATE TABLE notes_of_another_app (id INTEGER PRIMARY KEY)")
    with pytest.raises(Conflict, match="other tables.*notes_of_another_app"):
        dbcopy.copy_database(populated, target)
    assert table_names(target) == {"notes_of_another_app"}
    dbcopy.copy_database(populated, target, force=True)
    assert dump(target) == dump(populated)
    assert "notes_of_another_app" in table_names(target)


def test_a_freshly_migrated_target_is_still_empty(populated: str, pg_database: str) -> None:
    """iTicket's own tables and alembic_version are not "other tables"."""
    from iticket.core.db import upgrade

    db = Database(pg_database)
    try:
        upgrade(db)
    finally:
        db.dispose()
    dbcopy.copy_database(populated, pg_database)
    assert dump(pg_database) == dump(populated)


def test_forced_copy_never_breaks_another_applications_references(
    populated: str, pg_database: str
) -> None:
    """A foreign table pointing at iTicket's rows cannot be emptied under it: one clear
    conflict, nothing changed (instead of an unexpected integrity error)."""
    dbcopy.copy_database(populated, pg_database)
    before = dump(pg_database)
    run_sql(pg_database,
            'CREATE TABLE shift_owner (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES "user"(id))',
            "INSERT INTO shift_owner VALUES (1, 1)")
    with pytest.raises(Conflict, match="shift_owner|refer"):
        dbcopy.copy_database(populated, pg_database, force=True)
    assert dump(pg_database) == before
    assert rows_of(pg_database, "SELECT * FROM shift_owner") == [(1, 1)]


def test_another_applications_migrations_are_never_taken_over(populated: str, pg_database: str) -> None:
    run_sql(pg_database, *FOREIGN,
            "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL PRIMARY KEY)",
            "INSERT INTO alembic_version VALUES ('3f2a9c1b7d4e')")
    with pytest.raises(Conflict, match="other tables"):
        dbcopy.copy_database(populated, pg_database)
    with pytest.raises(Conflict, match="3f2a9c1b7d4e"):
        dbcopy.copy_database(populated, pg_database, force=True)
    assert table_names(pg_database) == {"pharmacy_stock", "alembic_version"}
    assert rows_of(pg_database, "SELECT version_num FROM alembic_version") == [("3f2a9c1b7d4e",)]


# ---------------------------------------------------------------- databases that cannot be used


def test_a_database_that_cannot_be_opened_is_unavailable(
    populated: str, pg_database: str, tmp_path: Path
) -> None:
    """Exit 1 in the CLI: the database cannot be used (connection refused, not a database)."""
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("these are my notes, not a database\n" * 100)
    refused = "postgresql+psycopg://iticket:secret@127.0.0.1:1/iticket"
    cases = [
        (f"sqlite:///{not_a_db}", pg_database),
        (populated, f"sqlite:///{not_a_db}"),
        (refused, pg_database),
        (populated, refused),
    ]
    for source, target in cases:
        with pytest.raises(DatabaseUnavailable, match="^Cannot open ") as info:
            dbcopy.copy_database(source, target)
        assert "\n" not in str(info.value) and "secret" not in str(info.value)
    assert not_a_db.read_text().startswith("these are my notes")


@pytest.mark.parametrize("url", ["mysql://root:secret@localhost/iticket", "oracle://u:p@db/x",
                                 "mysql+pymysql://u@h/d", "postgresql+asyncpg://u@h/d", "mssql://u@h/d"])
def test_unsupported_engines_are_a_usage_error(populated: str, pg_database: str, url: str) -> None:
    name = url.split("://")[0]
    expected = (f"Unsupported database '{name}': use sqlite:///PATH or "
                "postgresql+psycopg://USER:PASSWORD@HOST/NAME.")
    with pytest.raises(ValidationError) as info:
        dbcopy.copy_database(url, pg_database)
    assert str(info.value) == expected
    with pytest.raises(ValidationError) as info:
        dbcopy.copy_database(populated, url)
    assert str(info.value) == expected


def test_cli_faults_exit_codes_and_one_line(populated: str, pg_database: str, cli: Cli,
                                            tmp_path: Path) -> None:
    def one_line(r):  # type: ignore[no-untyped-def]
        lines = [ln for ln in r.stderr.strip().splitlines() if ln]
        assert len(lines) == 1 and "Traceback" not in r.stderr and r.stdout == "", r.stderr
        return r.error()

    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("not a database\n" * 100)
    r = cli("db", "copy", "--from", f"sqlite:///{not_a_db}", "--to", pg_database, "--json")
    assert r.code == 1 and one_line(r)["code"] == "database"
    assert one_line(r)["message"].startswith("Cannot open sqlite:///")

    r = cli("db", "copy", "--from", populated, "--to", "postgresql+psycopg://u:secret@127.0.0.1:1/x",
            "--json")
    assert r.code == 1 and one_line(r)["code"] == "database" and "secret" not in r.stderr

    r = cli("db", "copy", "--from", populated, "--to", "mysql://root@localhost/iticket", "--json")
    assert r.code == 2 and one_line(r) == {
        "code": "invalid",
        "message": "Unsupported database 'mysql': use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/NAME."}

    run_sql(pg_database, *FOREIGN)
    r = cli("db", "copy", "--from", populated, "--to", pg_database, "--json")
    assert r.code == 6 and one_line(r)["code"] == "conflict"
    assert "other tables" in one_line(r)["message"] and "pharmacy_stock" in one_line(r)["message"]
    r = cli("db", "copy", "--from", populated, "--to", pg_database, "--force", "--json")
    assert r.code == 0, r.stderr
    assert rows_of(pg_database, "SELECT count(*) FROM pharmacy_stock") == [(2,)]
