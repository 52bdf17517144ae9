"""PostgreSQL-only fixtures: a migrated, seeded PostgreSQL database per test, whatever engine
the rest of the suite runs on (``ITICKET_TEST_DATABASE``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from iticket.core.db import Database
from tests.conftest import PgServer


@pytest.fixture
def pg_url(pg_server: PgServer, pg_template: str) -> Iterator[str]:
    name = pg_server.create(template=pg_template)
    yield pg_server.url(name)
    pg_server.drop(name)


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Database]:
    database = Database(pg_url)
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Assertions here read core messages in their English originals."""
    monkeypatch.setenv("ITICKET_LANG", "en")
