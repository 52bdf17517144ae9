"""Migrations build the schema from nothing, are idempotent, and match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from iticket.core import db as dbmod
from iticket.core.seed import seed


def test_upgrade_empty_database_to_head(tmp_path):
    database = dbmod.Database(f"sqlite:///{tmp_path / 'empty.db'}")
    assert dbmod.current_revision(database) is None
    dbmod.upgrade(database)
    assert dbmod.current_revision(database) == dbmod.head_revision() == dbmod.SCHEMA_REVISION
    dbmod.upgrade(database)  # again: nothing to do
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []
    report = seed(database)
    assert report.units_created == 4 and seed(database).users_created == []


def test_sqlite_runs_in_wal_with_foreign_keys(db):
    if db.dialect != "sqlite":
        pytest.skip("SQLite pragmas (this run is on ITICKET_TEST_DATABASE=postgresql)")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
