"""What every command needs: settings, the database (migrated on first use) and the actor.

The actor comes from ``ITICKET_TOKEN`` if set (scripts), else from the session file written by
``iticket login`` (mode 0600 in the config dir; ``ITICKET_CONFIG_DIR`` overrides).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from iticket.core.config import Settings
from iticket.core.db import Database, ensure_schema
from iticket.core.errors import DatabaseUnavailable, NotAuthenticated
from iticket.core.i18n import _
from iticket.core.models import Actor
from iticket.core.services import auth

SESSION_FILE = "session.json"


def _require_existing_sqlite(url: str) -> None:
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        u = make_url(url)
    except ArgumentError:
        return  # reported with its own message when the engine is made
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return
    path = Path(u.database).expanduser()
    if not path.exists():
        raise DatabaseUnavailable(
            _("No iTicket database at {path}: run 'iticket init' first, or check --db / ITICKET_DATABASE_URL.").format(path=path)
        )


@dataclass
class AppContext:
    settings: Settings = field(default_factory=Settings)
    db_url: str | None = None
    # Only `init` and `db upgrade` may create a SQLite file: a mistyped path or URL on any other
    # command must say so, not quietly start an empty installation somewhere else.
    create_ok: bool = False

    @cached_property
    def db(self) -> Database:
        url = self.db_url or self.settings.resolved_database_url()
        if not self.create_ok:
            _require_existing_sqlite(url)
        db = Database(url)
        ensure_schema(db)
        return db

    @property
    def session_path(self) -> Path:
        return self.settings.config_dir / SESSION_FILE

    def stored_session(self) -> dict[str, str] | None:
        try:
            data = json.loads(self.session_path.read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) and "token" in data else None

    def save_session(self, token: str, username: str) -> None:
        path = self.session_path
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump({"token": token, "username": username, "database": self.db.url}, fh)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)

    def clear_session(self) -> str | None:
        data = self.stored_session()
        self.session_path.unlink(missing_ok=True)
        return data["token"] if data else None

    def token(self) -> str | None:
        env = os.environ.get("ITICKET_TOKEN", "").strip()
        if env:
            return env
        data = self.stored_session()
        return data["token"] if data else None

    def actor(self) -> Actor:
        token = self.token()
        if not token:
            raise NotAuthenticated(_("Not logged in. Run 'iticket login' or set ITICKET_TOKEN."))
        return auth.actor_for_token(self.db, token)
