"""refresh leases on user connections; why a connection is broken; token_version gone (see user_access)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user_connection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('refresh_lease_holder', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('refresh_lease_until', sa.DateTime(timezone=True), nullable=True))
        # Connections already broken get no reason: the page then just says they need reconnecting.
        batch_op.add_column(sa.Column('broken_reason', sa.String(length=255), nullable=False, server_default=''))
        # Bearer tokens are revoked through user_access since 0009; the refresh lock no longer updates it either.
        batch_op.drop_column('token_version')

    with op.batch_alter_table('provider_connection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('broken_reason', sa.String(length=255), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('provider_connection', schema=None) as batch_op:
        batch_op.drop_column('broken_reason')

    with op.batch_alter_table('user_connection', schema=None) as batch_op:
        batch_op.drop_column('broken_reason')
        batch_op.add_column(sa.Column('token_version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.drop_column('refresh_lease_until')
        batch_op.drop_column('refresh_lease_holder')
