"""Shared fixtures: a real, migrated and seeded database per test, the seed actors plus a few
agents, and a runner for the real ``iticket`` executable.

The database is built once per session (migrations + seed, argon2 hashes included) and copied
per test, so every test gets a fresh real database for the price of a copy.

Engine selection: ``ITICKET_TEST_DATABASE=postgresql`` runs every test on PostgreSQL, with
``ITICKET_TEST_PG_URL`` naming a server (``.ci/pg_server.sh start DIR`` prints one). There the
session template is a PostgreSQL database and each test gets ``CREATE DATABASE … TEMPLATE …``
(a few milliseconds), dropped afterwards. ``template_db``/``db_path`` stay the SQLite template
and file whatever the engine; ``db_url``/``db``/``cli`` follow the selection.

``pg_database`` hands a test an empty PostgreSQL database even on a SQLite run (``db copy``, two
bot processes); without a server it skips, unless ``ITICKET_TEST_PG_REQUIRED=1`` (CI) makes the
missing server an error.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from iticket.core.db import Database
from iticket.core.models import Actor, Role
from iticket.core.seed import seed
from iticket.core.services import auth, users

AGENTS = [
    # username, full name, unit, password
    ("ana", "Ana Gómez", "helpdesk", "ana-secreta-1"),
    ("sofia", "Sofía Ruiz", "soporte", "sofia-secreta-1"),
    ("diego", "Diego Paz", "soporte", "diego-secreta-1"),
    ("dario", "Darío Luna", "desarrollo", "dario-secreta-1"),
    ("sergio", "Sergio Vega", "seguridad", "sergio-secreta-1"),
]
ADMINS = ["helpdesk", "soporte", "desarrollo", "seguridad"]


ENGINE = os.environ.get("ITICKET_TEST_DATABASE", "sqlite").strip().lower() or "sqlite"
if ENGINE not in ("sqlite", "postgresql"):
    raise pytest.UsageError(f"ITICKET_TEST_DATABASE must be sqlite or postgresql, not {ENGINE!r}")


def _build_template(path: Path) -> None:
    _seed_template(f"sqlite:///{path}")


def _seed_template(url: str) -> None:
    db = Database(url)
    seed(db)
    for username, full_name, unit, password in AGENTS:
        admin = auth.authenticate(db, unit, unit)
        users.add_user(db, username, full_name=full_name, actor=admin, unit=unit, role=Role.AGENT,
                       password=password)
    db.dispose()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    _build_template(path)
    return path


@pytest.fixture
def db_path(tmp_path: Path, template_db: Path) -> Path:
    target = tmp_path / "iticket.db"
    shutil.copyfile(template_db, target)
    return target


# ---------------------------------------------------------------- PostgreSQL


class PgServer:
    """A PostgreSQL server the tests may create and drop databases on (names are unique per
    run and worker, so parallel workers and reruns never collide)."""

    def __init__(self, admin_url: str) -> None:
        from sqlalchemy import create_engine, make_url
        from sqlalchemy.pool import NullPool

        self._url = make_url(admin_url)
        self._admin = create_engine(self._url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._prefix = f"it_{os.environ.get('PYTEST_XDIST_WORKER', 'gw')}_{uuid.uuid4().hex[:8]}"
        self._count = 0

    def url(self, name: str) -> str:
        return self._url.set(database=name).render_as_string(hide_password=False)

    def _exec(self, sql: str) -> None:
        from sqlalchemy import text

        with self._admin.connect() as conn:
            conn.execute(text(sql))

    def create(self, *, template: str | None = None) -> str:
        """A new database (a copy of ``template`` if given); returns its name."""
        self._count += 1
        name = f"{self._prefix}_{self._count}"
        self._exec(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def drop(self, name: str) -> None:
        # FORCE: a bot subprocess or a leaked pool may still hold a connection.
        self._exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self._admin.dispose()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    url = os.environ.get("ITICKET_TEST_PG_URL", "").strip()
    if not url:
        if os.environ.get("ITICKET_TEST_PG_REQUIRED") == "1" or ENGINE == "postgresql":
            pytest.fail("ITICKET_TEST_PG_URL is not set (start one with .ci/pg_server.sh start DIR)")
        pytest.skip("no PostgreSQL server (set ITICKET_TEST_PG_URL)")
    server = PgServer(url)
    yield server
    server.close()


@pytest.fixture
def pg_database(pg_server: PgServer) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (no schema), dropped after the test."""
    name = pg_server.create()
    yield pg_server.url(name)
    pg_server.drop(name)


@pytest.fixture(scope="session")
def pg_template(pg_server: PgServer) -> Iterator[str]:
    """A migrated and seeded PostgreSQL database the per-test databases are copied from."""
    name = pg_server.create()
    _seed_template(pg_server.url(name))
    yield name
    pg_server.drop(name)


# ---------------------------------------------------------------- the selected engine


def _pg_db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    server: PgServer = request.getfixturevalue("pg_server")
    template: str = request.getfixturevalue("pg_template")
    name = server.create(template=template)
    yield server.url(name)
    server.drop(name)


@pytest.fixture
def db_url(request: pytest.FixtureRequest) -> Iterator[str]:
    if ENGINE == "postgresql":
        yield from _pg_db_url(request)
    else:
        yield f"sqlite:///{request.getfixturevalue('db_path')}"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def actors(db: Database) -> dict[str, Actor]:
    """Every seed account and test agent by username (the bot as ``wspbot``)."""
    from sqlmodel import select

    from iticket.core.models import User
    from iticket.core.services._common import actor_of

    with db.read() as session:
        return {u.username: actor_of(u) for u in session.exec(select(User)).all()}


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def error(self) -> dict[str, str]:
        return json.loads(self.stderr.strip().splitlines()[-1])["error"]


@dataclass
class Cli:
    """Runs the installed ``iticket`` executable in a subprocess against the test database."""

    env: dict[str, str]

    def __call__(self, *args: str, input: str | None = None, token: str | None = None,
                 env: dict[str, str] | None = None, timeout: float = 60) -> CliResult:
        full_env = {**self.env, **(env or {})}
        if token is not None:
            full_env["ITICKET_TOKEN"] = token
        proc = subprocess.run(
            [self.executable, *args], input=input, capture_output=True, text=True,
            env=full_env, timeout=timeout,
        )
        return CliResult(proc.returncode, proc.stdout, proc.stderr)

    @property
    def executable(self) -> str:
        exe = Path(sys.executable).with_name("iticket")
        return str(exe) if exe.exists() else "iticket"

    def login(self, username: str, password: str | None = None) -> None:
        result = self("login", "-u", username, "--password-stdin", input=(password or username) + "\n")
        assert result.code == 0, result.stderr


def program_env() -> dict[str, str]:
    """The environment a real ``iticket`` process gets in tests: ours without ``ITICKET_*``, and
    with bytecode caching on as for any installed program. A shell exporting
    PYTHONDONTWRITEBYTECODE made every one of the suite's ~400 subprocesses compile SQLAlchemy,
    Typer and Rich from source: 1.4 s a start instead of 0.6 s, a third of the suite's time."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith("ITICKET_") and k != "PYTHONDONTWRITEBYTECODE"}


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Cli:
    env = program_env()
    env.update(
        ITICKET_DATABASE_URL=db_url,
        ITICKET_CONFIG_DIR=str(tmp_path / "config"),
        ITICKET_DATA_DIR=str(tmp_path / "data"),
        ITICKET_LANG="en",
        COLUMNS="200",
    )
    return Cli(env)


def agent_password(username: str) -> str:
    for name, _full, _unit, password in AGENTS:
        if name == username:
            return password
    return username
