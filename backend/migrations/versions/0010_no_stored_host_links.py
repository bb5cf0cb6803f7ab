"""host links are not kept: Zoom's start_url carries a host token, and every host link is asked for fresh

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 04:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('meeting') as batch:
        batch.drop_column('host_url')


def downgrade() -> None:
    with op.batch_alter_table('meeting') as batch:
        batch.add_column(sa.Column('host_url', sa.String(length=2000), nullable=True))
