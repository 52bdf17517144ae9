"""Shared fixtures: a real, migrated and seeded database per test, the seed actors plus a few
agents, and a runner for the real ``iticket`` executable.

The database is built once per session (migrations + seed, argon2 hashes included) and copied
per test, so every test gets a fresh real SQLite file for the price of a file copy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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


def _build_template(path: Path) -> None:
    db = Database(f"sqlite:///{path}")
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


@pytest.fixture
def db_url(db_path: Path) -> str:
    return f"sqlite:///{db_path}"


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


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITICKET_")}
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
