"""when each kept SuperOffice sign-in was made (a refresh keeps it), so a disconnect forgets only older ones

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 17:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('crm_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signed_in_at', sa.DateTime(timezone=True), nullable=True))
    # Kept grants made before this column: their last change is the closest we know to their sign-in.
    op.execute('UPDATE crm_grant SET signed_in_at = updated_at')
    with op.batch_alter_table('crm_grant', schema=None) as batch_op:
        batch_op.alter_column('signed_in_at', existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('crm_grant', schema=None) as batch_op:
        batch_op.drop_column('signed_in_at')
