"""browser sessions kept server-side (the cookie holds only their id)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 04:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('web_session',
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_index(op.f('ix_web_session_expires_at'), 'web_session', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_web_session_expires_at'), table_name='web_session')
    op.drop_table('web_session')
