"""Which database URLs iTicket takes: SQLite and PostgreSQL (psycopg). Anything else is one
clear usage error when the Database is made, whether the URL came from --db,
ITICKET_DATABASE_URL or ``db copy``."""

from __future__ import annotations

import pytest

from iticket.core.db import Database
from iticket.core.errors import ValidationError

HINT = "use sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST/NAME."


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("mysql://root:secret@localhost/iticket", "mysql"),
        ("mysql+pymysql://u@h/d", "mysql+pymysql"),
        ("oracle://u:p@db/x", "oracle"),
        ("mssql+pyodbc://u@h/d", "mssql+pyodbc"),
        ("postgres://u@h/d", "postgres"),
        ("postgresql+asyncpg://u@h/d", "postgresql+asyncpg"),
        ("postgresql+psycopg2://u@h/d", "postgresql+psycopg2"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite"),
    ],
)
def test_unsupported_engines_are_a_validation_error(url, name):
    with pytest.raises(ValidationError) as info:
        Database(url)
    assert str(info.value) == f"Unsupported database '{name}': {HINT}"


@pytest.mark.parametrize(
    "url",
    ["sqlite://", "sqlite+pysqlite://", "postgresql://u@localhost/d",
     "postgresql+psycopg://u:p@localhost:5432/d", "postgresql+psycopg://u@/d?host=/tmp/sock"],
)
def test_supported_engines_are_accepted(url):
    Database(url).dispose()  # no connection is made until the first query


def test_sqlite_file(tmp_path):
    Database(f"sqlite:///{tmp_path / 'x.db'}").dispose()
