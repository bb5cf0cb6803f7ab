"""crm names of connected users

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:33:38.172228
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user_connection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('crm_name', sa.String(length=255), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('crm_email', sa.String(length=320), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('user_connection', schema=None) as batch_op:
        batch_op.drop_column('crm_email')
        batch_op.drop_column('crm_name')

