"""Alembic environment: runs on the connection handed in by ``iticket.core.db.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import iticket.core.models  # noqa: F401  (registers the tables)
from iticket.core.db import make_engine

target_metadata = SQLModel.metadata
config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _migrate(conn)
        return
    _migrate(connection)


def _migrate(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
