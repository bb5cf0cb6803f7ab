"""invitation settings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 09:50:08.811744
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invitation_mode', sa.String(length=16), nullable=False, server_default='mail_link'))
        batch_op.add_column(sa.Column('invitation_template', sa.Text(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('tenant', schema=None) as batch_op:
        batch_op.drop_column('invitation_template')
        batch_op.drop_column('invitation_mode')

