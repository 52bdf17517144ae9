"""Regenerate migrations/versions/0001_initial_schema.py from models.py.

Used only while the schema has never been released: once a release exists, add a new revision
with ``alembic revision --autogenerate`` instead of touching 0001.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from iticket.core.db import MIGRATIONS_DIR, alembic_config

target = MIGRATIONS_DIR / "versions" / "0001_initial_schema.py"
target.unlink(missing_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    cfg = alembic_config(f"sqlite:///{Path(tmp) / 'empty.db'}")
    command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
print(f"wrote {target}")
