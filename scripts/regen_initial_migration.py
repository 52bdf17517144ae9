"""Regenerate migrations/versions/0001_initial_schema.py from models.py.

RETIRED: 0001 has shipped (installations exist at revision 0001), so it is frozen. New schema
goes into new revisions (``alembic revision --autogenerate`` against a database at head, as
0002_statistics_rollups was made). Kept only to show how 0001 was produced; it refuses to run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from iticket.core.db import MIGRATIONS_DIR, alembic_config

raise SystemExit("0001 is frozen: add a new revision instead (see this script's docstring)")

target = MIGRATIONS_DIR / "versions" / "0001_initial_schema.py"
target.unlink(missing_ok=True)
with tempfile.TemporaryDirectory() as tmp:
    cfg = alembic_config(f"sqlite:///{Path(tmp) / 'empty.db'}")
    command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
print(f"wrote {target}")
