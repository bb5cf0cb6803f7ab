"""webhook receipts and provider user ids

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:03:51.912259
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('webhook_receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=32), nullable=False),
    sa.Column('digest', sa.String(length=128), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider', 'digest', name='uq_webhook_receipt')
    )
    with op.batch_alter_table('webhook_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_receipt_received_at'), ['received_at'], unique=False)

    with op.batch_alter_table('provider_connection', schema=None) as batch_op:
        # Existing rows get an empty id: the next connect fills it in.
        batch_op.add_column(sa.Column('provider_user_id', sa.String(length=255), nullable=False, server_default=''))
        batch_op.create_index(batch_op.f('ix_provider_connection_provider_user_id'), ['provider_user_id'], unique=False)

    with op.batch_alter_table('user_connection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_connection_provider_user_id'), ['provider_user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('user_connection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_connection_provider_user_id'))

    with op.batch_alter_table('provider_connection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_connection_provider_user_id'))
        batch_op.drop_column('provider_user_id')

    with op.batch_alter_table('webhook_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_receipt_received_at'))

    op.drop_table('webhook_receipt')
