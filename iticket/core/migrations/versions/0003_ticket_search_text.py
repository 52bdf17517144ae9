"""ticket search text

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 09:05:00

``ticket.search_text``: the requester's name, sector and the detail folded (case, accents and
spacing ignored; ``iticket.core.rules.search_key``), which free-text search matches so "lopez"
finds "López" on both engines. Existing tickets are filled in at upgrade, in batches by id.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000


def upgrade() -> None:
    # plain ALTER TABLE on both engines (no table rebuild at a million rows)
    op.add_column('ticket', sa.Column('search_text', sa.Text(), server_default='', nullable=False))
    _fill()


def _fill() -> None:
    """Keyset batches: constant memory at a million tickets, one UPDATE per batch."""
    from iticket.core.rules import search_key

    bind = op.get_bind()
    ticket = sa.table('ticket', sa.column('id', sa.Integer), sa.column('requester_name', sa.String),
                      sa.column('requester_sector', sa.String), sa.column('detail', sa.Text),
                      sa.column('search_text', sa.Text))
    update = (sa.update(ticket).where(ticket.c.id == sa.bindparam('tid'))
              .values(search_text=sa.bindparam('key')))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(ticket.c.id, ticket.c.requester_name, ticket.c.requester_sector, ticket.c.detail)
            .where(ticket.c.id > last).order_by(ticket.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(update, [{'tid': i, 'key': search_key(n, s, d)} for i, n, s, d in rows])
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_column('ticket', 'search_text')  # SQLite >= 3.35 drops a column in place
